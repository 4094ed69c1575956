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
