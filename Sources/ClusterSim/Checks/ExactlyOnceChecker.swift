import NetModel
import Nodes

/// `exactly-once`: a client request takes effect at most once, however often it is sent.
///
/// Property: no request — an `(origin, req)` pair, the sending node (a client or a chat door) and
/// its request id — has two `request-executed` events, at the same node or at different ones.
/// A copy the executing node recognised (`request-repeat`: answered with the first answer, not
/// executed) is what the property asks for; those are counted as absorbed.
///
/// Allowed exception (counted): `executor-restarted` — the node that logged the earlier of two
/// executions crashed (a `crash` event of that node) between them: its memory of executed
/// requests was lost with its incarnation. With three or more executions of one request, each is
/// judged against the one before it (an excused pair before a failing one still fails).
///
/// Failures: `executed-twice`.
///
/// Detail: `executions E of R requests, repeats absorbed A; exceptions: executor-restarted=N`
/// then, on failure, `; failures: executed-twice=M: …` with the first few offenders in trace
/// order (`client-3 req 7 (State) at frontend-1 1.000s and frontend-2 3.000s`).
package struct ExactlyOnceChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .exactlyOnce }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the executions, repeats and crashes.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The verdict on a finished scan (everything was decided in trace order).
    func verdict(_ scan: Scan) -> CheckResult {
        let summary = "executions \(scan.executions) of \(scan.last.count) requests, repeats absorbed \(scan.repeats); exceptions: "
            + Detail.counts([("executor-restarted", scan.restarted)])
        if scan.failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([("executed-twice", scan.failures.count)])
                    + ": " + Detail.list(scan.failures)).with(scan.firstCase)
    }
}

extension ExactlyOnceChecker {
    /// The trace pass of `exactly-once`: each request's latest execution with how many times its
    /// node had crashed by then; a later execution is excused when that count has grown since.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.requestExecuted, NodeLog.requestRepeat] }
        var kinds: [TraceKind] { [.crash] }

        /// A request: its origin (as logged), request id, and which of its handler's calls
        /// (`step`, 0 when not logged).
        struct Key: Hashable, Sendable {
            let origin: NodeName
            let req: UInt64
            let step: UInt64
        }

        /// One execution of a request.
        struct Execution: Sendable {
            let node: NodeName
            let at: VirtualInstant
            /// How many times `node` had crashed when it executed.
            let crashes: Int
            /// Its trace position.
            var seq = 0
        }

        /// Each request's latest execution.
        private(set) var last: [Key: Execution] = [:]
        /// Node → how many times it crashed so far.
        private var crashes: [NodeName: Int] = [:]
        private(set) var executions = 0, repeats = 0, restarted = 0
        /// The executions that repeated an earlier one without excuse, in trace order.
        private(set) var failures: [String] = []
        /// The first execution that repeated an earlier one, with that one.
        private(set) var firstCase: Counterexample?

        mutating func observe(_ e: NodeEntry) {
            guard e.event.kind == .node else {
                if let node = e.node { crashes[node, default: 0] += 1 }
                return
            }
            if e.label == NodeLog.requestRepeat {
                repeats += 1
                return
            }
            guard let node = e.node, let origin = e.name("origin"), let req = e.number("req") else { return }
            executions += 1
            let key = Key(origin: origin, req: req, step: e.number("step") ?? 0)
            let execution = Execution(node: node, at: e.at, crashes: crashes[node, default: 0], seq: e.event.seq)
            if let earlier = last.updateValue(execution, forKey: key) {
                if crashes[earlier.node, default: 0] > earlier.crashes {
                    restarted += 1
                } else {
                    failures.append("\(origin) req \(req) (\(e["service"] ?? "?")) at \(earlier.node) \(earlier.at) and \(node) \(e.at)")
                    if firstCase == nil {
                        firstCase = Counterexample(
                            kind: .duplicate, summary: "\(origin)'s request \(req) (\(e["service"] ?? "?")) executed twice",
                            marks: [Counterexample.Mark(seq: earlier.seq, at: earlier.at, node: earlier.node, role: "first execution"),
                                    Counterexample.Mark(e.event, role: "executed again")])
                    }
                }
            }
        }

        func finish(run: RunRecord) -> CheckResult { ExactlyOnceChecker().verdict(self) }
    }
}
