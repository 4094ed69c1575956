import NetModel

/// A checker's pass over the trace: it is handed the node events it reads, one at a time in trace
/// order, and then decides the property from what it kept and the record's end state.
///
/// The same scan serves both paths: `Checker.check(_:)` of a ``ScanningChecker`` feeds it every
/// matching event of a finished record (``RunRecord/scanned(_:)``), and a simulated run feeds it
/// each batch of events while the run goes on, on the trace recorder's folding thread
/// (``TraceScans``). Only `finish` is left for after the run, so the two paths cannot diverge.
protocol TraceScan: Sendable {
    /// The labels of the node events (`TraceKind.node`) the scan reads; it sees no other event.
    var labels: Set<String> { get }
    /// Takes one node event whose label is in `labels`; events come in trace order.
    mutating func observe(_ event: NodeEntry)
    /// Decides the property from the events observed and the end of the run (snapshot, crashes,
    /// drops, `end`), which `run` holds in full.
    /// - Returns: the checker's result.
    func finish(run: RunRecord) -> CheckResult
}

/// A checker whose trace pass is a ``TraceScan``: its `check(_:)` is `run.scanned(makeScan())`.
protocol ScanningChecker: Checker {
    /// A fresh scan, configured like the checker.
    func makeScan() -> any TraceScan
}

extension RunRecord {
    /// Feeds `scan` every node event of the record it reads, in trace order, then finishes it.
    /// - Returns: the scan's result.
    func scanned(_ scan: any TraceScan) -> CheckResult {
        var scan = scan
        for e in nodeEvents(scan.labels) { scan.observe(e) }
        return scan.finish(run: self)
    }
}

/// The scans of one run's streaming checkers, fed batches of events as the trace recorder folds
/// them. Each scan keeps the position of its check in the experiment's list.
struct TraceScans: Sendable {
    /// Each scan with its check's position in the experiment's `checks`.
    private(set) var scans: [(slot: Int, scan: any TraceScan)] = []
    /// Node-event label → the positions in `scans` of the scans that read it, in order.
    private var readers: [String: [Int]] = [:]

    /// No scans.
    init() {}

    /// The scans of the checkers of `checks` that have one (the others run after the run).
    init(checks: [CheckName], options: CheckOptions = CheckOptions()) {
        for (slot, name) in checks.enumerated() {
            guard let checker = Checkers.make(name, options: options) as? any ScanningChecker else { continue }
            let scan = checker.makeScan()
            for label in scan.labels.sorted() { readers[label, default: []].append(scans.count) }
            scans.append((slot, scan))
        }
    }

    /// Whether no check of the run scans the trace.
    var isEmpty: Bool { scans.isEmpty }

    /// Hands each node event of `events` (a batch, in trace order) to the scans that read its label.
    mutating func observe(_ events: [TraceEvent]) {
        for e in events where e.kind == .node {
            guard let which = readers[e.label] else { continue }
            let entry = NodeEntry(event: e)
            for i in which { scans[i].scan.observe(entry) }
        }
    }

    /// The scan of the check at `slot` of the experiment's `checks`, if it has one.
    func scan(at slot: Int) -> (any TraceScan)? {
        scans.first { $0.slot == slot }?.scan
    }
}
