import NetModel
import Nodes

/// `push-promptness`: when nothing goes wrong, a connected client gets its pushes promptly.
///
/// `push-delivery` judges that every push arrives, once and in order, however late; a session map
/// that points a connected user nowhere for seconds passes it as long as a later re-sync repairs
/// the map. This check judges the time: a push received by a client (`push-received latency-ns=L`,
/// L measured from the session node's acceptance) whose client had been connected
/// (`client-connected`) for at least the *login grace* before the acceptance, in a window — from a
/// grace before the acceptance to the receipt — that nothing disturbed, must arrive within the
/// *bound*. Disturbances: a dropped message anywhere (loss, a partition's cut, a crash's lost
/// traffic), a crash, a restart or an exit, and the whole of every pause and partition, each with
/// the *recovery* after it (the session node's longest wait before it sends a lost push again, 8 s,
/// plus 4 hops: a user's later pushes wait behind a lost one); and a clock offset set inside the
/// window. `latency-ns` is measured across two clocks, so the offsets the experiment sets for the
/// client and the session node are taken out of it.
///
/// With the largest latency a link can draw, times five when any link reorders (a held-back
/// message waits up to four latencies more), as one *hop*: the bound is 1 s + 4 hops (the session
/// node's `Deliver` and the frontend's push, twice over), the grace 1 s + 2 hops (the stream's
/// login on its way to the session node).
///
/// Allowed exceptions: pushes received late in a disturbed window or by a client connected for less
/// than the grace are not judged (counted in the detail).
///
/// Failures: `late-push` (`client-3 push 12 accepted 0.502s received 5.002s: 4.500s`).
///
/// Detail: `judged N late receipts of M (bound B, grace G); not judged: disturbed=D recently-connected=R`.
package struct PushPromptnessChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .pushPromptness }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the late pushes.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the receipts, connections and disturbances.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The longest a session node waits to send a push again (`SessionCore.retransmitPolicy`'s
    /// cap): a push lost in a disturbance is sent again at most this long after it ends, and the
    /// user's later pushes wait behind it (each user's pushes arrive in order).
    static let retransmitCap: Duration = .seconds(8)

    /// The least bound any run has: receipts later than this are kept for the verdict.
    static let leastBound: Duration = .seconds(1)

    /// The trace pass: receipts later than ``leastBound``, each client's last connection, and the
    /// disturbed intervals, merged when less than a quarter second apart (no judged window is
    /// that short), so that a lossy run keeps a few intervals rather than every drop.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.pushReceived, NodeLog.clientConnected] }
        var kinds: [TraceKind] { [.drop, .crash, .restart, .pause, .resume, .partition, .heal] }

        /// A receipt later than the least bound.
        struct Late: Sendable {
            let client: NodeName
            let push: UInt64
            let received: VirtualInstant
            let latency: Int64
            /// The client's last `client-connected` before the receipt.
            let connectedAt: VirtualInstant?
        }

        private(set) var late: [Late] = []
        /// Receipts judged or not (all of them, for the detail).
        private(set) var receipts = 0
        /// Client → the instant of its last `client-connected`.
        private var connectedAt = DenseTable<NodeName, VirtualInstant>()
        /// Disturbed intervals, in order, merged.
        private(set) var disturbed: [(from: VirtualInstant, to: VirtualInstant)] = []
        /// Pauses and partitions in force, and when the first of them began.
        private var open = 0
        private var openedAt = VirtualInstant.zero

        private static let mergeGap: Duration = .milliseconds(250)

        mutating func observe(_ e: NodeEntry) {
            switch e.event.kind {
            case .node:
                guard let client = e.node else { return }
                // The common label first (a short one: equal strings compare by their bits), and
                // the push id read only for a late receipt.
                guard e.label == NodeLog.pushReceived else {
                    connectedAt[client] = e.at
                    return
                }
                receipts += 1
                guard let latency = e.number("latency-ns"), latency > UInt64(PushPromptnessChecker.leastBound.nanosecondsClamped),
                      let push = e.number("push") else { return }
                late.append(Late(client: client, push: push, received: e.at, latency: Int64(latency),
                                 connectedAt: connectedAt[client]))
            case .pause, .partition:
                if open == 0 { openedAt = e.at }
                open += 1
            case .resume, .heal:
                guard open > 0 else { return }
                open -= 1
                if open == 0 { disturb(from: openedAt, to: e.at) }
            default:
                disturb(from: e.at, to: e.at)
            }
        }

        /// Adds `[from, to]` (`to` is the current event's instant, never before an earlier
        /// interval's end), swallowing the intervals it overlaps or nearly touches: a pause closed
        /// now covers the drops recorded while it lasted.
        private mutating func disturb(from: VirtualInstant, to: VirtualInstant) {
            var from = from, to = to
            while let last = disturbed.last, from <= last.to.advanced(by: Self.mergeGap) {
                from = min(from, last.from)
                to = max(to, last.to)
                disturbed.removeLast()
            }
            disturbed.append((from, to))
        }

        /// Whether a disturbance, or the `recovery` after it, touches `[from, to]` (a pause or
        /// partition still in force touches everything after it began).
        func isDisturbed(from: VirtualInstant, to: VirtualInstant, recovery: Duration) -> Bool {
            if open > 0, openedAt <= to { return true }
            // The first interval whose recovery ends at or after `from`: binary search, the list
            // is in order.
            var lo = 0, hi = disturbed.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if disturbed[mid].to.advanced(by: recovery) < from { lo = mid + 1 } else { hi = mid }
            }
            return lo < disturbed.count && disturbed[lo].from <= to
        }

        func finish(run: RunRecord) -> CheckResult { PushPromptnessChecker().verdict(self, run: run) }
    }

    /// One hop's worst delay in `run`'s network: its largest latency, five times over when a link reorders.
    static func hop(_ network: NetworkSpec) -> Duration {
        let reorders = ([network.defaults] + network.links.map(\.conditions)).contains { $0.reorder > 0 }
        return network.maximumLatency * (reorders ? 5 : 1)
    }

    /// The verdict on the scan's late receipts.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        let hop = Self.hop(run.experiment.network)
        let bound = Self.leastBound + hop * 4, grace = Self.leastBound + hop * 2
        let recovery = Self.retransmitCap + hop * 4
        var failures: [String] = [], disturbedCount = 0, recentCount = 0
        var first: (receipt: Scan.Late, latency: Int64)?
        let offsets = ClockOffsets(run.experiment.faults)
        for receipt in scan.late {
            // `latency-ns` is the client's clock less the session node's stamp: a clock offset
            // of either is in it. Taken out with the offsets in force at the receipt; a window in
            // which an offset changed is disturbed.
            let skew = offsets.offset(of: receipt.client, at: receipt.received) - offsets.offset(of: .session, at: receipt.received)
            let latency = receipt.latency - skew.nanosecondsClamped
            guard latency > bound.nanosecondsClamped else { continue }
            let accepted = receipt.received.advanced(by: .nanoseconds(-latency))
            let windowStart = accepted.advanced(by: .zero - grace)
            if offsets.changes(between: windowStart, and: receipt.received) {
                disturbedCount += 1
                continue
            }
            guard let connected = receipt.connectedAt, connected <= windowStart else {
                recentCount += 1
                continue
            }
            if scan.isDisturbed(from: windowStart, to: receipt.received, recovery: recovery) {
                disturbedCount += 1
                continue
            }
            if first == nil { first = (receipt, latency) }
            failures.append("\(receipt.client) push \(receipt.push) accepted \(accepted) received \(receipt.received): "
                            + formatNanoseconds(latency))
        }
        let summary = "receipts \(scan.receipts), later than the bound \(failures.count + disturbedCount + recentCount)"
            + " (bound \(formatNanoseconds(bound.nanosecondsClamped)), grace \(formatNanoseconds(grace.nanosecondsClamped)));"
            + " not judged: disturbed=\(disturbedCount) recently-connected=\(recentCount)"
        guard let (receipt, latency) = first else { return pass(summary) }
        let example = Counterexample(kind: .slow,
                                     summary: "\(receipt.client) got push \(receipt.push) \(formatNanoseconds(latency)) after its acceptance, connected all along, nothing lost",
                                     marks: run.connectionHistory(of: receipt.client), subject: .node(receipt.client))
        return fail(summary + "; failures: late-push=\(failures.count): " + Detail.list(failures)).with(example)
    }
}

/// The clock offsets an experiment's faults set, node by node and in time (an offset replaces the
/// one before it; none is zero).
struct ClockOffsets {
    /// Node → (instant, offset) in time order.
    private var changes: [NodeName: [(at: VirtualInstant, by: Duration)]] = [:]

    init(_ faults: [Fault]) {
        for fault in faults {
            if case .clockOffset(let node, let by) = fault.action {
                changes[node, default: []].append((VirtualInstant.zero.advanced(by: fault.at), by))
            }
        }
        for node in changes.keys { changes[node]!.sort { $0.at < $1.at } }
    }

    /// The offset of `node`'s clock at `instant`.
    func offset(of node: NodeName, at instant: VirtualInstant) -> Duration {
        changes[node]?.last { $0.at <= instant }?.by ?? .zero
    }

    /// Whether any node's offset changes in `(from, to]`.
    func changes(between from: VirtualInstant, and to: VirtualInstant) -> Bool {
        changes.values.contains { list in list.contains { $0.at > from && $0.at <= to } }
    }
}
