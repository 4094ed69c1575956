/// A pool of values addressed by small integers, for things in flight on the event loop.
///
/// `insert` moves a value into a free slot and returns its number; `take` moves it out again and
/// frees the slot. Values are moved, never copied, so the hot path does no retain/release and no
/// allocation once the pool has grown to the run's peak.
public final class SlotPool<Element> {
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<Element>
    @exclusivity(unchecked) @usableFromInline var occupied: [Bool]
    @exclusivity(unchecked) @usableFromInline var free: [Int] = []
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var used = 0

    /// An empty pool with room for `capacity` values before it grows.
    public init(capacity: Int = 64) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
        occupied = Array(repeating: false, count: capacity)
    }

    deinit {
        for i in 0..<used where occupied[i] { (storage + i).deinitialize(count: 1) }
        storage.deallocate()
    }

    /// Moves `value` in.
    /// - Returns: its slot number.
    @inlinable
    public func insert(_ value: consuming Element) -> Int {
        let slot: Int
        if let f = free.popLast() {
            slot = f
        } else {
            if used == capacity { grow() }
            slot = used
            used += 1
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
        free.append(slot)
        return (storage + slot).move()
    }

    @usableFromInline
    func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: used)
        storage.deallocate()
        storage = bigger
        occupied.append(contentsOf: repeatElement(false, count: capacity))
        capacity *= 2
    }
}
