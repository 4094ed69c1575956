import NetModel

/// Every message the network dropped, as the checks read it after the run: when, its id and its
/// label (the message kind), in trace order. A run that keeps only what the checks read
/// (``TraceRetention/checks``) keeps its drops here, 24 bytes each, instead of as retained
/// ``TraceEvent``s (over 100 bytes each, plus their position in the index): a crash or a
/// partition drops many messages.
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

    /// Every drop, in trace order.
    private(set) var drops: [Drop] = []
    /// The distinct labels, in order of first drop.
    private var labels: [String] = []
    /// Label → its position in `labels`.
    private var labelNumbers = LabelTable<UInt32>()

    /// No drops.
    init() {}

    /// Adds the drop `event` (a `.drop` event), after those added before it.
    mutating func append(_ event: TraceEvent) {
        var number = UInt32(labels.count)
        labelNumbers.update(event.label, default: number) { number = $0 }
        if number == labels.count { labels.append(event.label) }
        drops.append(Drop(at: event.at, messageID: event.messageID, label: number))
    }

    /// The label of `drop`.
    func label(of drop: Drop) -> String { labels[Int(drop.label)] }

    /// Which of `wanted` are ids of dropped messages (one pass over the drops, no set of them all:
    /// a crash or a partition drops hundreds of thousands of messages in a large run, the checks
    /// ask about a few hundred).
    func messageIDs(among wanted: Set<UInt64>) -> Set<UInt64> {
        var found: Set<UInt64> = []
        guard !wanted.isEmpty else { return found }
        for drop in drops where wanted.contains(drop.messageID) { found.insert(drop.messageID) }
        return found
    }

    /// The instants of the drops of messages labelled one of `wanted`, in trace order.
    func instants(labelled wanted: Set<String>) -> [VirtualInstant] {
        let numbers = Set(labels.indices.filter { wanted.contains(labels[$0]) }.map(UInt32.init))
        return drops.filter { numbers.contains($0.label) }.map(\.at)
    }
}
