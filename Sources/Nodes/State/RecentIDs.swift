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

/// The last `capacity` ids seen (push ids, chat line ids), for dropping a repeat: a ring buffer
/// alone, searched from end to end. Every client keeps two of these, so it is what a client's
/// memory is made of: 8 bytes per id held (a `RecentSet` adds a hash set of about twice that), at
/// the cost of a scan of at most `capacity` words per insert (256 for a client: a few hundred
/// nanoseconds, a few hundred times per client and run).
package struct RecentIDs: Sendable {
    /// The ids held, in insertion order from `next` on once full.
    private var ring: [UInt64] = []
    private var next = 0
    /// How many ids are remembered.
    package let capacity: Int
    /// The room the ring keeps now (at most `capacity`).
    package var room: Int { ring.capacity }

    /// An empty memory of `capacity` ids.
    package init(capacity: Int) {
        precondition(capacity > 0, "remember at least one value")
        self.capacity = capacity
    }

    /// Whether `value` is among the remembered ones. The whole ring is compared without an early
    /// exit (a new id, the common case, is compared with every one anyway) and without a branch
    /// per id: four ids a step, their matches OR-ed together (a loop of `found = found || …`
    /// branched on every id: 11-mixed-1000's client inserts took 27.7 M instructions, now 19.5 M).
    package func contains(_ value: UInt64) -> Bool {
        ring.withUnsafeBufferPointer { ids in
            var hits: UInt64 = 0
            var i = 0
            let n = ids.count
            while i + 4 <= n {
                hits |= (ids[i] == value ? 1 : 0) | (ids[i + 1] == value ? 1 : 0)
                    | (ids[i + 2] == value ? 1 : 0) | (ids[i + 3] == value ? 1 : 0)
                i += 4
            }
            while i < n {
                hits |= ids[i] == value ? 1 : 0
                i += 1
            }
            return hits != 0
        }
    }

    /// Remembers `value` (forgetting the oldest when full).
    /// - Returns: false when it was remembered already.
    @discardableResult
    package mutating func insert(_ value: UInt64) -> Bool {
        guard !contains(value) else { return false }
        if ring.count < capacity {
            // Grown by half its length up to the capacity, never past it (doubling left a third of
            // a client's two rings spare on average).
            if ring.count == ring.capacity { ring.reserveCapacity(min(capacity, ring.count + max(4, ring.count / 2))) }
            ring.append(value)
        } else {
            ring[next] = value
            next = (next + 1) % capacity
        }
        return true
    }
}
