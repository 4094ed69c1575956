/// A FIFO queue that hands its elements out by moving them (no copy, no retain), over one
/// growing ring buffer: the simulator's ready work, appended and taken once per job.
///
/// An `Array` with a head index copied each element out (a retain), then destroyed the whole
/// drained array through the runtime's generic element destroyer on every turn of the driver
/// loop (about 150 instructions a turn on 11-mixed-1000); this queue does neither.
struct RunQueue<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private var head = 0
    /// The number of queued elements.
    private(set) var count = 0

    /// An empty queue with room for `capacity` elements before it grows.
    init(capacity: Int = 64) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        var index = head
        for _ in 0..<count {
            (storage + index).deinitialize(count: 1)
            index = index + 1 == capacity ? 0 : index + 1
        }
        storage.deallocate()
    }

    /// Whether nothing is queued.
    var isEmpty: Bool { count == 0 }

    /// Queues `element` behind the others.
    mutating func append(_ element: consuming Element) {
        if count == capacity { grow() }
        var tail = head + count
        if tail >= capacity { tail -= capacity }
        (storage + tail).initialize(to: element)
        count += 1
    }

    /// Takes the oldest element out of the queue.
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = (storage + head).move()
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        return element
    }

    private mutating func grow() {
        let larger = capacity * 2
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        let firstRun = min(count, capacity - head)
        moved.moveInitialize(from: storage + head, count: firstRun)
        (moved + firstRun).moveInitialize(from: storage, count: count - firstRun)
        storage.deallocate()
        storage = moved
        capacity = larger
        head = 0
    }
}
