import Nodes

/// Push ids in 32 bits, for the records the scans keep per push for the whole run (settled
/// pushes, accepted pushes): a push id is a prefix (its high 32 bits: the node that made it and
/// that node's incarnation, `PushIDLayout`) and a counter from 1 (its low 32 bits). A run has a
/// handful of prefixes, so a code is the prefix's number in this table (high 8 bits, in order of
/// first appearance) and the counter (low 24 bits). An id whose counter is 2²⁴ or more, or whose
/// prefix comes after the 256th, has no code: the scan keeps it in full instead.
///
/// Codes of one table order like the pairs (prefix number, counter), not like the ids: a scan
/// that keeps them sorted keeps one order consistently, which is all a lookup needs.
struct PushCodes: Sendable {
    /// How many low bits of a code hold the counter.
    static var counterBits: UInt64 { 24 }
    /// How many prefixes a table numbers.
    static var maxPrefixes: Int { 256 }

    /// The prefixes (an id's high 32 bits) by number.
    private var prefixes: [UInt32] = []
    /// The prefix looked up last and its number (nearly every push is of a prefix just seen).
    private var lastPrefix: UInt32 = 0
    private var lastNumber = -1

    /// No prefix numbered.
    init() {}

    /// How many prefixes are numbered.
    var prefixCount: Int { prefixes.count }

    /// The number of `prefix`, if it has one.
    private func number(of prefix: UInt32) -> Int? {
        if lastNumber >= 0, prefix == lastPrefix { return lastNumber }
        // A handful of prefixes: a plain scan of their words.
        return prefixes.withUnsafeBufferPointer { known in
            for i in 0..<known.count where known[i] == prefix { return i }
            return nil
        }
    }

    /// The counter of `id`, when it fits a code.
    private static func counter(of id: UInt64) -> UInt32? {
        let counter = id & 0xFFFF_FFFF
        return counter >> counterBits == 0 ? UInt32(counter) : nil
    }

    /// The code of `id`, without numbering a new prefix.
    /// - Returns: nil when `id` has no code (its prefix is not numbered, or its counter is too large).
    func code(of id: UInt64) -> UInt32? {
        guard let counter = Self.counter(of: id), let n = number(of: UInt32(id >> 32)) else { return nil }
        return UInt32(n) << UInt32(Self.counterBits) | counter
    }

    /// The code of `id`, numbering its prefix if it is new and there is room.
    /// - Returns: nil when `id` has no code (its counter is too large, or the table is full).
    mutating func assign(_ id: UInt64) -> UInt32? {
        guard let counter = Self.counter(of: id) else { return nil }
        let prefix = UInt32(id >> 32)
        let n: Int
        if let known = number(of: prefix) { n = known } else {
            guard prefixes.count < Self.maxPrefixes else { return nil }
            n = prefixes.count
            prefixes.append(prefix)
        }
        (lastPrefix, lastNumber) = (prefix, n)
        return UInt32(n) << UInt32(Self.counterBits) | counter
    }

    /// The id whose code is `code` (a code this table gave).
    func id(of code: UInt32) -> UInt64 {
        UInt64(prefixes[Int(code >> UInt32(Self.counterBits))]) << 32 | UInt64(code & (1 << UInt32(Self.counterBits) - 1))
    }
}
