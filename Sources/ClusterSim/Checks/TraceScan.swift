import NetModel

/// A pass over the trace (a checker's, or the metrics'): it is handed the events it reads, one at
/// a time in trace order, and then decides from what it kept and the record's end state.
///
/// The same scan serves both paths: `Checker.check(_:)` of a ``ScanningChecker`` (and
/// `RunMetrics.init`) feed it every matching event of a finished record (``RunRecord/scanned(_:)``),
/// and a simulated run feeds it each batch of events while the run goes on, on the trace
/// recorder's folding thread (``TraceScans``). Only `finish` is left for after the run, so the
/// two paths cannot diverge.
protocol TraceScan<Outcome>: Sendable {
    /// What the scan decides: a ``CheckResult`` for a checker.
    associatedtype Outcome: Sendable
    /// The labels of the node events (`TraceKind.node`) the scan reads.
    var labels: Set<String> { get }
    /// The kinds of the other events it reads: rare ones only (not send, deliver or timer).
    var kinds: [TraceKind] { get }
    /// Takes one event it reads (a node event with one of `labels`, or one of `kinds`), in trace order.
    mutating func observe(_ event: NodeEntry)
    /// Decides from the events observed and the end of the run (snapshot, crashes, drops, `end`),
    /// which `run` holds in full.
    /// - Returns: the outcome.
    func finish(run: RunRecord) -> Outcome
}

extension TraceScan {
    /// No event but node events.
    var kinds: [TraceKind] { [] }
}

/// A checker whose trace pass is a ``TraceScan``: its `check(_:)` is `run.scanned(makeScan())`.
protocol ScanningChecker: Checker {
    /// A fresh scan, configured like the checker.
    func makeScan() -> any TraceScan<CheckResult>
}

extension RunRecord {
    /// Feeds `scan` every event of the record it reads, in trace order, then finishes it.
    /// - Returns: the scan's outcome.
    func scanned<Scan: TraceScan>(_ scan: Scan) -> Scan.Outcome {
        var scan = scan
        let kinds = scan.kinds
        if kinds.isEmpty {
            for e in nodeEvents(scan.labels) { scan.observe(e) }
        } else {
            for i in positions(labels: scan.labels, kinds: kinds) { scan.observe(NodeEntry(event: events[i])) }
        }
        return scan.finish(run: self)
    }
}

/// The scans of one simulated run (its streaming checkers' and its metrics'), fed batches of
/// events as the trace recorder folds them.
struct TraceScans: Sendable {
    /// Each checker's scan with its check's position in the experiment's `checks`.
    private(set) var checks: [(slot: Int, scan: any TraceScan<CheckResult>)] = []
    /// The metrics' scan, if any.
    private(set) var metrics: RunMetrics.Scan?

    /// A scan that reads an event: the metrics', or the checker's at a position of `checks`.
    private enum Reader: Sendable {
        case check(Int), metrics
    }

    /// Node-event label → the scans that read it.
    private var readers: [String: [Reader]] = [:]
    /// Event kind (raw value) → the scans that read it.
    private var kindReaders: [[Reader]] = Array(repeating: [], count: 32)
    /// Bit `k` set: some scan reads the events of raw kind `k` (a node event or not).
    private var kindMask: UInt32 = 0

    /// No scans.
    init() {}

    /// The scans of the checkers of `checks` that have one (the others run after the run), and
    /// the metrics' scan when `metrics`.
    init(checks: [CheckName], metrics: Bool, options: CheckOptions = CheckOptions()) {
        for (slot, name) in checks.enumerated() {
            guard let checker = Checkers.make(name, options: options) as? any ScanningChecker else { continue }
            let scan = checker.makeScan()
            add(scan, as: .check(self.checks.count))
            self.checks.append((slot, scan))
        }
        if metrics {
            let scan = RunMetrics.Scan()
            add(scan, as: .metrics)
            self.metrics = scan
        }
    }

    private mutating func add(_ scan: some TraceScan, as reader: Reader) {
        for label in scan.labels.sorted() { readers[label, default: []].append(reader) }
        if !scan.labels.isEmpty { kindMask |= 1 << TraceKind.node.rawValue }
        for kind in scan.kinds {
            kindReaders[Int(kind.rawValue)].append(reader)
            kindMask |= 1 << kind.rawValue
        }
    }

    /// Whether nothing scans the trace.
    var isEmpty: Bool { kindMask == 0 }

    /// Hands each event of `events` (a batch, in trace order) to the scans that read it.
    mutating func observe(_ events: [TraceEvent]) {
        // Through the buffer, an event that no scan reads is looked at (kind, label), not copied.
        events.withUnsafeBufferPointer { batch in
            for i in batch.indices where kindMask & (1 << batch[i].kind.rawValue) != 0 {
                let kind = batch[i].kind
                guard let which = kind == .node ? readers[batch[i].label] : kindReaders[Int(kind.rawValue)] else { continue }
                let entry = NodeEntry(event: batch[i])
                for reader in which {
                    switch reader {
                    case .check(let c): checks[c].scan.observe(entry)
                    case .metrics: metrics?.observe(entry)
                    }
                }
            }
        }
    }

    /// The scan of the check at `slot` of the experiment's `checks`, if it has one.
    func scan(at slot: Int) -> (any TraceScan<CheckResult>)? {
        checks.first { $0.slot == slot }?.scan
    }
}
