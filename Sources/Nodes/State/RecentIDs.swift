/// The last `capacity` ids seen, for dropping a repeat: a ring buffer with a set beside it.
public struct RecentIDs: Sendable {
    private var ring: [UInt64] = []
    private var next = 0
    private var members: Set<UInt64> = []
    /// How many ids are remembered.
    public let capacity: Int

    /// An empty memory of `capacity` ids.
    public init(capacity: Int) {
        precondition(capacity > 0, "remember at least one id")
        self.capacity = capacity
    }

    /// Whether `id` is among the remembered ones.
    public func contains(_ id: UInt64) -> Bool { members.contains(id) }

    /// Remembers `id` (forgetting the oldest when full).
    /// - Returns: false when it was remembered already.
    @discardableResult
    public mutating func insert(_ id: UInt64) -> Bool {
        guard !members.contains(id) else { return false }
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        members.insert(id)
        return true
    }
}
