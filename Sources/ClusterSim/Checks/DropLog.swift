import NetModel

/// Every message the network dropped, as the checks read it after the run: when, its id and its
/// label (the message kind), in trace order. A run that keeps only what the checks read
/// (``TraceRetention/checks``) keeps its drops here, 16 bytes each (the instant, and the id's low
/// 40 bits with the label's number in one word), instead of as retained ``TraceEvent``s (over 100
/// bytes each, plus their position in the index): a crash or a partition drops many messages. A
/// drop that does not pack (an id of 2⁴⁰ or more, past 16 M labels) turns the log into a list of
/// full 24-byte ``Drop``s.
struct DropLog: Sendable {
    /// One dropped message; its label is a number in the log's table of labels.
    struct Drop: Sendable {
        /// When the network dropped it.
        let at: VirtualInstant
        /// The message (or stream) id.
        let messageID: UInt64
        /// Its label's position in ``DropLog/labels``.
        fileprivate let label: UInt32
    }

    /// A drop in 16 bytes: the instant's nanoseconds, the id (low 40 bits) and the label's number
    /// (high 24 bits).
    private struct Packed: Sendable {
        private static var idBits: UInt64 { 40 }
        let atNanos: Int64
        let word: UInt64

        /// `drop` packed, or nil when its id or label does not fit.
        init?(_ drop: Drop) {
            guard drop.messageID >> Self.idBits == 0, drop.label >> (64 - Self.idBits) == 0 else { return nil }
            atNanos = drop.at.nanoseconds
            word = UInt64(drop.label) << Self.idBits | drop.messageID
        }

        var drop: Drop {
            Drop(at: VirtualInstant(nanoseconds: atNanos), messageID: word & (1 << Self.idBits - 1),
                 label: UInt32(truncatingIfNeeded: word >> Self.idBits))
        }
    }

    /// Every drop, in trace order, packed while every one fits.
    private var packed: [Packed] = []
    /// Every drop, in trace order, once one did not pack (then `packed` is empty).
    private var wide: [Drop]?
    /// The distinct labels, in order of first drop.
    private var labels: [String] = []
    /// Label → its position in `labels`.
    private var labelNumbers = LabelTable<UInt32>()

    /// No drops.
    init() {}

    /// How many drops the log holds.
    var count: Int { wide?.count ?? packed.count }

    /// Every drop, in trace order.
    var drops: [Drop] { wide ?? packed.map(\.drop) }

    /// Adds the drop `event` (a `.drop` event), after those added before it.
    mutating func append(_ event: TraceEvent) {
        var number = UInt32(labels.count)
        labelNumbers.update(event.label, default: number) { number = $0 }
        if number == labels.count { labels.append(event.label) }
        let drop = Drop(at: event.at, messageID: event.messageID, label: number)
        if wide != nil {
            wide?.append(drop)
        } else if let small = Packed(drop) {
            packed.appendGently(small)
        } else {
            wide = packed.map(\.drop) + [drop]
            packed = []
        }
    }

    /// Calls `body` with each drop, in trace order.
    private func forEach(_ body: (Drop) -> Void) {
        if let wide {
            for drop in wide { body(drop) }
        } else {
            for small in packed { body(small.drop) }
        }
    }

    /// The label of `drop`.
    func label(of drop: Drop) -> String { labels[Int(drop.label)] }

    /// Which of `wanted` are ids of dropped messages (one pass over the drops, no set of them all:
    /// a crash or a partition drops hundreds of thousands of messages in a large run, the checks
    /// ask about a few hundred).
    func messageIDs(among wanted: Set<UInt64>) -> Set<UInt64> {
        var found: Set<UInt64> = []
        guard !wanted.isEmpty else { return found }
        forEach { drop in if wanted.contains(drop.messageID) { found.insert(drop.messageID) } }
        return found
    }

    /// The instants of the drops of messages labelled one of `wanted`, in trace order.
    func instants(labelled wanted: Set<String>) -> [VirtualInstant] {
        let numbers = Set(labels.indices.filter { wanted.contains(labels[$0]) }.map(UInt32.init))
        var instants: [VirtualInstant] = []
        forEach { drop in if numbers.contains(drop.label) { instants.append(drop.at) } }
        return instants
    }
}
