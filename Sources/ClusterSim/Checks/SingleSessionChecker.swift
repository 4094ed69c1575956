import NetModel
import Nodes

/// `single-session`: no user holds two push streams at once, beyond the moment it takes the
/// cluster to kick the older one.
///
/// Property, two parts:
/// 1. At the end, no user has two rows in `snapshot.frontendStreams`.
/// 2. Over the whole trace, two accepted streams of the same user are never both open for longer
///    than the *grace*: the longer of `minimumGrace` (default 1s) and twice the largest possible
///    one-shot delivery latency (a newer login reaches the session node, whose kick reaches the
///    old frontend). A stream opens at `stream-accepted user=U conn=C` on its frontend and ends
///    at that frontend's `stream-ended conn=C`, or when the frontend crashes (`crash`, `restart`)
///    or is fenced (`fenced`: it serves nothing more, so its streams are no session).
///
/// Allowed exceptions (part 2 only, counted): an overlap that meets a disturbance window — a
/// partition (until its heal), a pause (until its resume), `session-1` down (until its restart)
/// or `management-1` down (until its restart: the session node then registers again, holding the
/// logins that would kick) — stretched by the ping timeout plus the grace, since a cut-off frontend only loses its streams
/// once the manager removes and fences it. Also excused (counted as `lost-call`): an overlap that
/// starts within the grace after the network lost a `SessionLogin` or `KickStream` call and ends
/// within the frontends' anti-entropy period (`FrontendNode.resyncPeriod`, 5s) plus the grace:
/// these calls are one-shot, and the periodic re-sync is the designed repair, so the checker holds
/// the cluster to that bound instead. Part 1 has no exception.
///
/// Detail on failure: users with two streams at the end (`alice: alice@frontend-1#3,
/// alice@frontend-2#9`) and overlaps longer than the grace (`alice 2.500s for 1.800s`), first few
/// and a count, plus the grace used and the excused overlaps.
package struct SingleSessionChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .singleSession }
    /// The shortest allowed overlap grace.
    package var minimumGrace: Duration

    /// Makes the checker.
    package init(minimumGrace: Duration = .seconds(1)) {
        self.minimumGrace = minimumGrace
    }

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the streams' openings and ends.
    func makeScan() -> any TraceScan<CheckResult> { Scan(checker: self) }

    /// The verdict on a finished scan: the final state, then the overlaps against the grace.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        // Part 1: the final state. The rows in order of user (each user's in snapshot order),
        // grouped: no array per user (a stream per client at the end of the run).
        let rows = run.snapshot.frontendStreams
        let order = rows.indices.sorted { (rows[$0].user, $0) < (rows[$1].user, $1) }
        var doubled: [String] = []
        // The first of them in order of name.
        var firstDoubled: String?
        var start = 0
        while start < order.count {
            let user = rows[order[start]].user
            var end = start + 1
            while end < order.count, rows[order[end]].user == user { end += 1 }
            if end - start > 1 {
                if firstDoubled == nil { firstDoubled = user }
                doubled.append("\(user): " + order[start..<end].map { rows[$0].description }.joined(separator: " "))
            }
            start = end
        }

        // Part 2: overlaps in the trace.
        let grace = max(minimumGrace, run.experiment.network.maximumLatency * 2)
        let windows = DisturbanceWindows(run, slack: run.experiment.timing.pingTimeout + grace)
        var overlaps = scan.overlaps
        let overlapStart = scan.overlapStart
        for user in overlapStart.keys.sorted() {
            if let start = overlapStart[user] { overlaps.append((user, start, max(run.end, start))) }
        }
        overlaps.sort { ($0.start, $0.user) < ($1.start, $1.user) }

        // Instants at which the network lost a call that ends an overlap (a newer login, or the
        // kick of the older stream).
        let lostCalls = run.nodeIndex.drops.instants(labelled: ["SessionLogin", "KickStream"])
        let repairBound = FrontendNode.resyncPeriod + grace
        func repairedAfterLostCall(_ start: VirtualInstant, _ end: VirtualInstant) -> Bool {
            start.duration(to: end) <= repairBound
                && lostCalls.contains { $0 <= start.advanced(by: grace) && start <= $0.advanced(by: grace) }
        }

        var violations: [String] = []
        var excused = 0, lostCallExcused = 0
        var firstUser: (user: String, summary: String)?
        for o in overlaps where o.start.duration(to: o.end) > grace {
            if windows.intersects(o.start, o.end) {
                excused += 1
            } else if repairedAfterLostCall(o.start, o.end) {
                lostCallExcused += 1
            } else {
                violations.append("\(o.user) at \(o.start) for \(formatNanoseconds(o.end.nanoseconds - o.start.nanoseconds))")
                if firstUser == nil { firstUser = (o.user, "\(o.user) held two streams from \(o.start) for \(formatNanoseconds(o.end.nanoseconds - o.start.nanoseconds))") }
            }
        }

        let graceText = "grace \(formatNanoseconds(grace.nanosecondsClamped))"
        let excusedText = (excused == 0 ? "" : ", \(excused) longer overlaps excused during faults")
            + (lostCallExcused == 0 ? "" : ", \(lostCallExcused) repaired by re-sync after a lost call (lost-call)")
        if doubled.isEmpty && violations.isEmpty {
            return pass("no user held two streams at the end; \(overlaps.count) brief overlaps within the \(graceText)"
                        + excusedText)
        }
        var parts: [String] = []
        if !doubled.isEmpty { parts.append("users with two streams at the end: " + Detail.list(doubled)) }
        if !violations.isEmpty { parts.append("overlaps longer than the \(graceText): " + Detail.list(violations)) }
        if let user = firstDoubled, firstUser == nil {
            firstUser = (user, "\(user) holds two streams at the end")
        }
        let example = firstUser.map { Counterexample(kind: .overlap, summary: $0.summary, marks: run.sessionHistory(of: $0.user)) }
        return fail(parts.joined(separator: "; ") + excusedText).with(example)
    }
}
