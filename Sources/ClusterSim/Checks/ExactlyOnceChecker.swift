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
        let summary = "executions \(scan.executions) of \(scan.requests) requests, repeats absorbed \(scan.repeats); exceptions: "
            + Detail.counts([("executor-restarted", scan.restarted)])
        if scan.failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([("executed-twice", scan.failures.count)])
                    + ": " + Detail.list(scan.failures)).with(scan.firstCase)
    }
}

extension ExactlyOnceChecker {
    /// The trace pass of `exactly-once`: each request's latest execution with the incarnation of
    /// the node that executed it (the node and how many times it had crashed by then); a later
    /// execution is excused when that node has crashed since.
    ///
    /// Kept compact, since it lives for the whole run: per origin, one sorted list of 12-byte
    /// executions (``ExecutionList``; request ids mostly come in order, so a new one is appended);
    /// nodes' crash counts as a small table of incarnations.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.requestExecuted, NodeLog.requestRepeat] }
        var kinds: [TraceKind] { [.crash] }

        /// The latest execution of one request of an origin.
        struct Execution: Sendable {
            /// The request id.
            let req: UInt64
            /// Which of its handler's calls (0 when not logged).
            let step: UInt64
            /// When it executed.
            var at: VirtualInstant
            /// Its trace position.
            var seq: Int
            /// The executing node and its crash count then, as a position in `incarnations`.
            var incarnation: UInt32

            /// Whether it is the execution of `(req, step)`, or sorts before it.
            func precedes(_ req: UInt64, _ step: UInt64) -> Bool { (self.req, self.step) < (req, step) }
        }

        /// Origin (as logged) → its position in `executed`.
        private var origins = DenseTable<NodeName, UInt32>()
        /// Per origin, its requests' latest executions, sorted by request id and step.
        private var executed: [ExecutionList] = []
        /// A node with how many times it had crashed: the state an execution is judged against.
        private var incarnations: [(node: NodeName, crashes: Int)] = []
        /// Node → how many times it crashed so far, and its current incarnation (if it executed).
        private var nodes: [NodeName: (crashes: Int, incarnation: UInt32?)] = [:]
        /// How many requests (origin, id, step) executed at least once.
        private(set) var requests = 0
        private(set) var executions = 0, repeats = 0, restarted = 0
        /// The executions that repeated an earlier one without excuse, in trace order.
        private(set) var failures: [String] = []
        /// The first execution that repeated an earlier one, with that one.
        private(set) var firstCase: Counterexample?

        mutating func observe(_ e: NodeEntry) {
            guard e.event.kind == .node else {
                if let node = e.node {
                    nodes[node, default: (0, nil)].crashes += 1
                    nodes[node]?.incarnation = nil
                }
                return
            }
            if e.label == NodeLog.requestRepeat {
                repeats += 1
                return
            }
            guard let node = e.node, let origin = e.name("origin"), let req = e.number("req") else { return }
            executions += 1
            let step = e.number("step") ?? 0
            let execution = Execution(req: req, step: step, at: e.at, seq: e.event.seq, incarnation: incarnation(of: node))
            guard let earlier = record(execution, of: origin) else {
                requests += 1
                return
            }
            let was = incarnations[Int(earlier.incarnation)]
            if nodes[was.node, default: (0, nil)].crashes > was.crashes {
                restarted += 1
            } else {
                failures.append("\(origin) req \(req) (\(e["service"] ?? "?")) at \(was.node) \(earlier.at) and \(node) \(e.at)")
                if firstCase == nil {
                    firstCase = Counterexample(
                        kind: .duplicate, summary: "\(origin)'s request \(req) (\(e["service"] ?? "?")) executed twice",
                        marks: [Counterexample.Mark(seq: earlier.seq, at: earlier.at, node: was.node, role: "first execution"),
                                Counterexample.Mark(e.event, role: "executed again")])
                }
            }
        }

        /// `node`'s current incarnation, numbering it if new.
        private mutating func incarnation(of node: NodeName) -> UInt32 {
            if let known = nodes[node]?.incarnation { return known }
            let new = UInt32(incarnations.count)
            let crashes = nodes[node]?.crashes ?? 0
            incarnations.append((node, crashes))
            nodes[node] = (crashes, new)
            return new
        }

        /// Makes `execution` its request's latest.
        /// - Returns: the request's execution before it, if any.
        private mutating func record(_ execution: Execution, of origin: NodeName) -> Execution? {
            let o: Int
            if let known = origins[origin] { o = Int(known) } else {
                o = executed.count
                origins[origin] = UInt32(o)
                executed.append(ExecutionList())
            }
            let (req, step) = (execution.req, execution.step)
            let count = executed[o].count
            // Mostly a new request after the origin's others: appended.
            if count == 0 || executed[o].precedes(count - 1, req, step) {
                executed[o].put(execution, at: count, replacing: false)
                return nil
            }
            var low = 0, high = count
            while low < high {
                let mid = (low + high) / 2
                if executed[o].precedes(mid, req, step) { low = mid + 1 } else { high = mid }
            }
            if low < count, executed[o][low].req == req, executed[o][low].step == step {
                defer { executed[o].put(execution, at: low, replacing: true) }
                return executed[o][low]
            }
            executed[o].put(execution, at: low, replacing: false)
            return nil
        }

        func finish(run: RunRecord) -> CheckResult { ExactlyOnceChecker().verdict(self) }
    }
}
