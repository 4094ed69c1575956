/// A pool of values addressed by small integers, for things in flight on the event loop.
///
/// `insert` moves a value into a free slot and returns its number; `take` moves it out again and
/// frees the slot. Values are moved, never copied, so the hot path does no retain/release and no
/// allocation once the pool has grown to the run's peak. The occupancy flags and the free list
/// are plain buffers beside the values (not arrays: an array checks its uniqueness and bounds on
/// every write, about 40 instructions per insert and take together on the delivery path).
public final class SlotPool<Element> {
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<Element>
    /// Whether each slot below `used` holds a value.
    @exclusivity(unchecked) @usableFromInline var occupied: UnsafeMutablePointer<Bool>
    /// Freed slots, a stack of `freeCount` slot numbers (reused last freed first).
    @exclusivity(unchecked) @usableFromInline var free: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) @usableFromInline var freeCount = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var used = 0

    /// An empty pool with room for `capacity` values before it grows.
    public init(capacity: Int = 64) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
        occupied = .allocate(capacity: self.capacity)
        free = .allocate(capacity: self.capacity)
    }

    deinit {
        for i in 0..<used where occupied[i] { (storage + i).deinitialize(count: 1) }
        storage.deallocate()
        occupied.deallocate()
        free.deallocate()
    }

    /// How many values are in the pool.
    package var count: Int { used - freeCount }

    /// Moves `value` in.
    /// - Returns: its slot number.
    @inlinable
    public func insert(_ value: consuming Element) -> Int {
        let slot: Int
        if freeCount > 0 {
            freeCount &-= 1
            slot = free[freeCount]
        } else {
            if used == capacity { grow() }
            slot = used
            used &+= 1
        }
        (storage + slot).initialize(to: value)
        occupied[slot] = true
        return slot
    }

    /// Moves the value in `slot` out and frees the slot.
    /// - Returns: the value, or nil if the slot is empty.
    @inlinable
    public func take(_ slot: Int) -> Element? {
        guard slot >= 0, slot < used, occupied[slot] else { return nil }
        occupied[slot] = false
        free[freeCount] = slot
        freeCount &+= 1
        return (storage + slot).move()
    }

    /// Reads the value in `slot` without taking it out.
    /// - Returns: what `body` returns, or nil if the slot is empty.
    @inlinable
    package func peek<T>(_ slot: Int, _ body: (borrowing Element) -> T) -> T? {
        guard slot >= 0, slot < used, occupied[slot] else { return nil }
        return body(storage[slot])
    }

    /// Changes the value in `slot` in place.
    /// - Returns: what `body` returns, or nil if the slot is empty.
    @inlinable
    package func modify<T>(_ slot: Int, _ body: (inout Element) -> T) -> T? {
        guard slot >= 0, slot < used, occupied[slot] else { return nil }
        return body(&storage[slot])
    }

    @usableFromInline
    func grow() {
        let larger = capacity * 2
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        bigger.moveInitialize(from: storage, count: used)
        storage.deallocate()
        storage = bigger
        let flags = UnsafeMutablePointer<Bool>.allocate(capacity: larger)
        flags.moveInitialize(from: occupied, count: used)
        occupied.deallocate()
        occupied = flags
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: larger)
        stack.moveInitialize(from: free, count: freeCount)
        free.deallocate()
        free = stack
        capacity = larger
    }
}
