import Dispatch
import NetModel
import Synchronization

/// Records every event of a run: a running FNV-1a-64 hash over each event's canonical encoding,
/// a count, counts by kind and label, and what its ``TraceRetention`` says of the events
/// themselves (all, those the checks read after the run, or none), with an index of them.
///
/// Recording is split over two threads so that the simulation does not pay for the hash:
/// the recording thread (the simulator's driver) only appends the event to a batch of
/// `batchSize`; each full batch is handed to a serial queue that folds the events into the
/// hash in order, counts them, keeps and indexes those it retains and feeds them to the attached
/// scans (``TraceScans``: the metrics and checkers that scan while the run goes on). Everything
/// that reads the result (`events`, `hash`, `index`, `scanned`) first hands over the partial
/// batch and waits for the queue, so readers see exactly the events recorded so far, in order:
/// the hash, the trace and the scans do not depend on the threads' timing.
///
/// Recording is for one thread at a time (the simulator's driver, or `RealTrace` under its lock).
package final class TraceRecorder: TraceSink, @unchecked Sendable {
    /// What is kept of the events besides their hash and counts.
    package let retention: TraceRetention
    /// Whether every event is kept in memory (`events` may be read).
    package var retainsEvents: Bool { retention == .everything }
    /// How many events were recorded.
    @exclusivity(unchecked) package private(set) var count = 0
    /// The current instant in nanoseconds, kept up to date by the simulator.
    @exclusivity(unchecked) var now: Int64 = 0
    /// Events recorded and not yet handed to the folding queue (recording thread only).
    @exclusivity(unchecked) private var batch = TraceBatch(capacity: TraceRecorder.batchSize)
    /// The folding queue and what it owns.
    private let folder = DispatchQueue(label: "clustersim.trace-folder")
    @exclusivity(unchecked) private var folded: [TraceEvent] = []
    @exclusivity(unchecked) private var hasher = FNV1a64()
    @exclusivity(unchecked) private var indexer = NodeEventIndex.Builder()
    @exclusivity(unchecked) private var scans = TraceScans()
    @exclusivity(unchecked) private var output: TraceFileWriter?
    /// Events per hand-over: large enough that the queue's cost per batch is negligible. The
    /// batches themselves are recycled (`spareBatches`): at ~420 KB each, malloc handed out fresh
    /// pages for every new one.
    static let batchSize = 4096
    /// Batches handed over and not yet folded, at most: when the folding thread falls behind (it
    /// gets less of the CPU than the recording thread), recording waits instead of piling up
    /// batches, so memory stays bounded (about 32 × 4,096 events) whatever the run's length.
    static let batchesInFlight = 32
    private let inFlight = DispatchSemaphore(value: batchesInFlight)
    /// Emptied batches the folding queue gives back for the recording thread to fill again.
    private let spareBatches = Mutex<[TraceBatch]>([])
    /// Batches allocated so far (recording thread only): at most `batchesInFlight` + 2 however
    /// long the run (the one being filled, a full one waiting for a place in flight, the ones in
    /// flight), since each is given back once folded.
    @exclusivity(unchecked) private(set) var batchesMade = 1

    /// Makes an empty recorder that keeps what `retention` says.
    package init(retention: TraceRetention) {
        self.retention = retention
    }

    /// Makes an empty recorder that keeps every event (`retainsEvents`) or none.
    package convenience init(retainsEvents: Bool = true) {
        self.init(retention: retainsEvents ? .everything : .hashOnly)
    }

    /// Every event so far. Only a recorder that retains ``TraceRetention/everything`` has them:
    /// reading them from another is a programming error (ask for `.everything` when making the run).
    package var events: [TraceEvent] {
        precondition(retention == .everything,
                     "the trace's events were not retained (retention \(retention)): make the run with retention .everything")
        flush()
        return folder.sync { folded }
    }

    /// The events retained so far (all, or only those the checks read after the run).
    var retainedEvents: [TraceEvent] {
        flush()
        return folder.sync { folded }
    }

    /// The trace hash so far: 16 hex digits of FNV-1a-64 over the canonical encoding of every event.
    package var hash: String {
        flush()
        return folder.sync { hasher.hex }
    }

    /// The events retained so far with their index and the counts of every event.
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

    /// Writes every event from the next one recorded on to `path` as JSON Lines, batch by batch as
    /// they are folded (whatever the retention: a run that writes its trace need not keep it).
    /// Start it before the run's first event; ``finishWriting()`` completes the file.
    /// - Throws: ``TraceFileError`` when the file cannot be created.
    package func writeEvents(to path: String) throws(TraceFileError) {
        flush()
        let writer = try TraceFileWriter(path: path)
        folder.sync { output = writer }
    }

    /// Writes what is still batched and closes the file of ``writeEvents(to:)`` (nothing if none).
    /// - Throws: ``TraceFileError`` when what was written did not reach the file.
    package func finishWriting() throws(TraceFileError) {
        flush()
        let writer = folder.sync { () -> TraceFileWriter? in
            defer { output = nil }
            return output
        }
        try writer?.close()
    }

    /// Records one event with a free-text detail.
    package func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, detail: String) {
        record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: TraceDetail(text: detail))
    }

    /// Records one event with a structured detail (a node event's fields).
    package func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, fields detail: consuming TraceDetail) {
        count += 1
        batch.append(TraceEvent(seq: count, at: VirtualInstant(nanoseconds: now), kind: kind, node: node,
                                peer: peer, messageID: messageID, label: label, fields: detail))
        if batch.isFull { flush() }
    }

    /// Hands the partial batch to the folding queue.
    private func flush() {
        guard !batch.isEmpty else { return }
        let full = batch
        if let spare = spareBatches.withLock({ $0.popLast() }) {
            batch = spare
        } else {
            batch = TraceBatch(capacity: Self.batchSize)
            batchesMade += 1
        }
        inFlight.wait()
        folder.async { [self] in
            // The file writer takes an array: the events are moved into one for it. Otherwise
            // they are hashed, scanned and kept straight from the batch's buffer (moving them
            // out for the scans was a 104-byte copy per event). Either way the events are
            // destroyed here, on the folding thread.
            if let output {
                let events = full.take()
                events.withUnsafeBufferPointer { fold($0) }
                output.write(events)
            } else {
                full.withEvents { fold($0) }
                full.removeAll()
            }
            // Recycled, not freed: a batch is ~420 KB, above malloc's threshold for giving memory
            // back, so a new batch for each hand-over was fresh pages, faulted in and cleared by
            // the kernel (50 ns per delivery of `bench sim`, in `clear_page_erms`).
            spareBatches.withLock { if $0.count < Self.batchesInFlight { $0.append(full) } }
            inFlight.signal()
        }
    }

    /// On the folding queue: hashes, keeps, indexes and scans one batch, in order.
    private func fold(_ full: UnsafeBufferPointer<TraceEvent>) {
        for e in full {
            TraceEvent.fold(into: &hasher, at: e.at.nanoseconds, kind: e.kind, node: e.node, peer: e.peer,
                            messageID: e.messageID, label: e.label, detail: e.fields)
        }
        if !scans.isEmpty { scans.observe(full) }
        switch retention {
        case .everything:
            var position = folded.count
            for e in full {
                indexer.add(e, at: position)
                position += 1
            }
            folded.append(contentsOf: full)
        case .checks:
            for e in full {
                if RunRecord.retainedForChecks(e) {
                    indexer.add(e, at: folded.count)
                    folded.append(e)
                } else {
                    indexer.count(e)
                }
            }
        case .hashOnly:
            break
        }
    }

    /// The trace as JSON Lines: one object per event, in order.
    package func jsonLines() -> String {
        let events = self.events
        var out = ""
        out.reserveCapacity(events.count * 96)
        for e in events { out += e.jsonLine; out += "\n" }
        return out
    }
}

/// The events recorded since the last hand-over, in a fixed buffer: appending is a write and a
/// count (an array append checked its buffer's uniqueness and capacity, and copied through the
/// stdlib's generic path, on every event). The folding queue moves the events out into an array.
private final class TraceBatch: @unchecked Sendable {
    private let events: UnsafeMutablePointer<TraceEvent>
    private let capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deinitialize(count: count)
        events.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// Adds `event` behind the others (the batch must not be full).
    @inline(__always)
    func append(_ event: consuming TraceEvent) {
        (events + count).initialize(to: event)
        count += 1
    }

    /// Calls `body` with the events, in order (they stay in the batch).
    func withEvents<T>(_ body: (UnsafeBufferPointer<TraceEvent>) -> T) -> T {
        body(UnsafeBufferPointer(start: events, count: count))
    }

    /// Destroys the events, leaving the batch empty.
    func removeAll() {
        events.deinitialize(count: count)
        count = 0
    }

    /// Moves the events out, in order, leaving the batch empty.
    func take() -> [TraceEvent] {
        let n = count
        guard n > 0 else { return [] }
        count = 0
        return [TraceEvent](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: events, count: n)
            initialized = n
        }
    }
}
