import Dispatch
import NetModel

/// Records every event of a run: a running FNV-1a-64 hash over each event's canonical encoding,
/// a count, and (unless disabled for benchmarks) the events themselves with an index of the
/// node events by label.
///
/// Recording is split over two threads so that the simulation does not pay for the hash:
/// the recording thread (the simulator's driver) only appends the event to a batch of
/// `batchSize`; each full batch is handed to a serial queue that folds the events into the
/// hash in order, appends them to the kept trace, indexes them and feeds them to the attached
/// scans (``TraceScans``: the metrics and checkers that scan while the run goes on). Everything
/// that reads the result (`events`, `hash`, `index`, `scanned`) first hands over the partial
/// batch and waits for the queue, so readers see exactly the events recorded so far, in order:
/// the hash, the trace and the scans do not depend on the threads' timing.
///
/// Recording is for one thread at a time (the simulator's driver, or `RealTrace` under its lock).
public final class TraceRecorder: TraceSink, @unchecked Sendable {
    /// Whether events are kept in memory (checkers and `trace.jsonl` need them).
    public let retainsEvents: Bool
    /// How many events were recorded.
    @exclusivity(unchecked) public private(set) var count = 0
    /// The current instant in nanoseconds, kept up to date by the simulator.
    @exclusivity(unchecked) var now: Int64 = 0
    /// Events recorded and not yet handed to the folding queue (recording thread only).
    @exclusivity(unchecked) private var batch: [TraceEvent] = []
    /// The folding queue and what it owns.
    private let folder = DispatchQueue(label: "clustersim.trace-folder")
    @exclusivity(unchecked) private var folded: [TraceEvent] = []
    @exclusivity(unchecked) private var hasher = FNV1a64()
    @exclusivity(unchecked) private var indexer = NodeEventIndex.Builder()
    @exclusivity(unchecked) private var scans = TraceScans()
    /// Events per hand-over: large enough that the queue's cost per batch is negligible, small
    /// enough that the batch buffers are recycled by the allocator instead of touching new memory.
    static let batchSize = 4096

    /// Makes an empty recorder.
    public init(retainsEvents: Bool = true) {
        self.retainsEvents = retainsEvents
        batch.reserveCapacity(Self.batchSize)
    }

    /// The events so far, if retained.
    public var events: [TraceEvent] {
        flush()
        return folder.sync { folded }
    }

    /// The trace hash so far: 16 hex digits of FNV-1a-64 over the canonical encoding of every event.
    public var hash: String {
        flush()
        return folder.sync { hasher.hex }
    }

    /// The events so far with the index of their node events (empty when events are not retained).
    var indexedEvents: (events: [TraceEvent], index: NodeEventIndex) {
        flush()
        return folder.sync { (folded, NodeEventIndex(indexer)) }
    }

    /// The streaming checkers' scans, fed every event recorded so far.
    var scanned: TraceScans {
        flush()
        return folder.sync { scans }
    }

    /// Has the scans `make` returns fed each batch on the folding queue, after the batch is
    /// folded, from the next event recorded on: attach them before the run's first event. They
    /// are made on the folding queue too, so the recording thread does not wait for them.
    func attachScans(_ make: @escaping @Sendable () -> TraceScans) {
        flush()
        folder.async { [self] in scans = make() }
    }

    /// Records one event with a free-text detail.
    public func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, detail: String) {
        record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: TraceDetail(text: detail))
    }

    /// Records one event with a structured detail (a node event's fields).
    public func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, fields detail: consuming TraceDetail) {
        count += 1
        batch.append(TraceEvent(seq: count, at: VirtualInstant(nanoseconds: now), kind: kind, node: node,
                                peer: peer, messageID: messageID, label: label, fields: detail))
        if batch.count == Self.batchSize { flush() }
    }

    /// Hands the partial batch to the folding queue.
    private func flush() {
        guard !batch.isEmpty else { return }
        let full = batch
        batch = []
        batch.reserveCapacity(Self.batchSize)
        folder.async { [self] in fold(full) }
    }

    /// On the folding queue: hashes, keeps, indexes and scans one batch, in order.
    private func fold(_ full: [TraceEvent]) {
        for e in full {
            TraceEvent.fold(into: &hasher, at: e.at.nanoseconds, kind: e.kind, node: e.node, peer: e.peer,
                            messageID: e.messageID, label: e.label, detail: e.fields)
        }
        if !scans.isEmpty { scans.observe(full) }
        guard retainsEvents else { return }
        var position = folded.count
        for e in full {
            indexer.add(e, at: position)
            position += 1
        }
        folded.append(contentsOf: full)
    }

    /// The trace as JSON Lines: one object per event, in order.
    public func jsonLines() -> String {
        let events = events
        var out = ""
        out.reserveCapacity(events.count * 96)
        for e in events { out += e.jsonLine; out += "\n" }
        return out
    }
}
