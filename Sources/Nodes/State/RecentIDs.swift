/// The last `capacity` values seen, for dropping a repeat: a ring buffer with a set beside it.
package struct RecentSet<Element: Hashable & Sendable>: Sendable {
    private var ring: [Element] = []
    private var next = 0
    private var members: Set<Element> = []
    /// How many values are remembered.
    package let capacity: Int

    /// An empty memory of `capacity` values.
    package init(capacity: Int) {
        precondition(capacity > 0, "remember at least one value")
        self.capacity = capacity
    }

    /// Whether `value` is among the remembered ones.
    package func contains(_ value: Element) -> Bool { members.contains(value) }

    /// Remembers `value` (forgetting the oldest when full).
    /// - Returns: false when it was remembered already.
    @discardableResult
    package mutating func insert(_ value: Element) -> Bool {
        guard members.insert(value).inserted else { return false }
        if ring.count < capacity {
            ring.append(value)
        } else {
            members.remove(ring[next])
            ring[next] = value
            next = (next + 1) % capacity
        }
        return true
    }
}

/// The last ids seen (push ids, chat line ids).
package typealias RecentIDs = RecentSet<UInt64>
