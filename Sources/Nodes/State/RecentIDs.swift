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
/// memory is made of.
///
/// An id is a prefix (its high 32 bits: the node that made it, or a chat line's sender) and a
/// counter (`PushIDLayout`), and one ring sees a handful of prefixes: an id is held in 4 bytes,
/// the prefix's number in the ring's own table (high 8 bits) and the counter (low 24 bits). The
/// table sits at the front of the same array, so a ring is one allocation: 4 bytes an id where
/// it was 8. An id that does not fit (a counter of 2²⁴ or more, a 256th prefix) turns the ring
/// wide: 8 bytes an id from then on, as before. A scan compares 32-bit words, without an early
/// exit (a new id, the common case, is compared with every one anyway) and without a branch per
/// id; an id whose prefix is not in the table is not there at all, without a scan, and neither is
/// one whose counter is above the highest its prefix has had (each prefix's table entry is two
/// words: the prefix and that counter; a prefix's ids mostly come in increasing order, so a new
/// one is known new from the table's line, without reading the ring's).
package struct RecentIDs: Sendable {
    /// The prefixes by number, each followed by the highest counter held under it, then the ring
    /// of narrow ids (in insertion order from `next` on once full); empty once wide.
    private var words: [UInt32] = []
    /// The ids in full, once the ring is wide (in the same order).
    private var wide: [UInt64] = []
    /// How many prefixes the front of `words` holds.
    private var prefixCount: UInt16 = 0
    private var isWide = false
    /// Where the ring's next id goes once full (its oldest).
    private var next: UInt16 = 0
    private let limit: UInt16

    /// How many ids are remembered.
    package var capacity: Int { Int(limit) }
    /// The room the ring keeps now, in ids (at most `capacity`, and the prefixes' words).
    package var room: Int { isWide ? wide.capacity : words.capacity - tableWords }
    /// How many ids are held.
    package var count: Int { isWide ? wide.count : words.count - tableWords }
    /// How many words the prefix table takes at the front of `words` (two a prefix).
    private var tableWords: Int { 2 * Int(prefixCount) }
    /// Whether the ring holds its ids in 8 bytes each (an id did not fit 4).
    package var holdsWide: Bool { isWide }

    /// How many low bits of a narrow id hold the counter.
    private static var counterBits: UInt64 { 24 }

    /// An empty memory of `capacity` ids (at most 65,535).
    package init(capacity: Int) {
        precondition(capacity > 0 && capacity <= Int(UInt16.max), "remember from 1 to 65,535 values")
        limit = UInt16(capacity)
    }

    /// The prefix's number in the table, if it has one.
    private func number(ofPrefix prefix: UInt32) -> Int? {
        words.withUnsafeBufferPointer { w in
            for i in 0..<Int(prefixCount) where w[2 * i] == prefix { return i }
            return nil
        }
    }

    /// The narrow form of `value` with its prefix's number, if the prefix has one and the counter fits.
    private func narrow(_ value: UInt64) -> UInt32? {
        guard (value & 0xFFFF_FFFF) >> Self.counterBits == 0, let n = number(ofPrefix: UInt32(value >> 32)) else { return nil }
        return UInt32(n) << UInt32(Self.counterBits) | UInt32(value & 0xFF_FFFF)
    }

    /// Whether `value` is among the remembered ones.
    package func contains(_ value: UInt64) -> Bool {
        if isWide { return Self.scan(wide, for: value, from: 0) }
        guard let word = narrow(value) else { return false }
        // Above the highest counter its prefix has had: never held, without a scan.
        guard word & 0xFF_FFFF <= words[2 * Int(word >> UInt32(Self.counterBits)) + 1] else { return false }
        return Self.scan(words, for: word, from: tableWords)
    }

    /// Whether `ids[from...]` holds `value`: four ids a step, their matches OR-ed together (a
    /// loop of `found = found || …` branched on every id).
    private static func scan<T: FixedWidthInteger>(_ ids: [T], for value: T, from start: Int) -> Bool {
        ids.withUnsafeBufferPointer { ids in
            var hits: UInt64 = 0
            var i = start
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
        if !isWide {
            if let word = narrow(value) ?? newPrefix(of: value) {
                put(word)
                let highest = 2 * Int(word >> UInt32(Self.counterBits)) + 1
                words[highest] = max(words[highest], word & 0xFF_FFFF)
                return true
            }
            widen()
        }
        if wide.count < capacity {
            if wide.count == wide.capacity { wide.reserveCapacity(min(capacity, wide.count + max(4, wide.count / 2))) }
            wide.append(value)
        } else {
            wide[Int(next)] = value
            next = UInt16((Int(next) + 1) % capacity)
        }
        return true
    }

    /// Numbers `value`'s prefix (at the front of `words`, with a highest counter of 0, moving the
    /// ring up two words) when there is room and the counter fits.
    /// - Returns: the narrow form of `value`, or nil when it does not fit.
    private mutating func newPrefix(of value: UInt64) -> UInt32? {
        guard (value & 0xFFFF_FFFF) >> Self.counterBits == 0, prefixCount < 256 else { return nil }
        if words.count + 2 > words.capacity { words.reserveCapacity(words.count + 2 + (count < capacity ? max(4, count / 2) : 0)) }
        words.insert(contentsOf: [UInt32(value >> 32), 0], at: tableWords)
        prefixCount += 1
        return narrow(value)
    }

    /// Adds a narrow id to the ring. Grown by half its length up to the capacity, never past it
    /// (doubling left a third of a client's two rings spare on average).
    private mutating func put(_ word: UInt32) {
        let base = tableWords
        if count < capacity {
            if words.count == words.capacity {
                words.reserveCapacity(base + min(capacity, count + max(4, count / 2)))
            }
            words.append(word)
        } else {
            words[base + Int(next)] = word
            next = UInt16((Int(next) + 1) % capacity)
        }
    }

    /// Turns the ring wide: every id in full, in the same places.
    private mutating func widen() {
        let base = tableWords
        var ids: [UInt64] = []
        ids.reserveCapacity(count < capacity ? count + max(4, count / 2) : capacity)
        for i in base..<words.count {
            let word = words[i]
            ids.append(UInt64(words[2 * Int(word >> UInt32(Self.counterBits))]) << 32 | UInt64(word & 0xFF_FFFF))
        }
        wide = ids
        words = []
        prefixCount = 0
        isWide = true
    }
}
