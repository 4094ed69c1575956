import NetModel

/// `liveness`: after the settle phase every client is logged in and served again.
///
/// Property: at `end` (duration + settle, after the last fault and a quiet period) every client
/// row of the snapshot that is not `retired` is `connected` (its push stream is open and accepted)
/// and its last request got a successful reply (`lastRequestOK`).
///
/// Allowed exceptions: retired clients — duplicate-login devices kicked on purpose because the
/// newer login won — are not expected to be live and are only counted.
///
/// Detail on failure: the first few offending clients with what is wrong (`client-3
/// (disconnected)`, `client-7 (last request failed)`) and how many there are.
package struct LivenessChecker: Checker {
    /// Which check this is.
    package var name: CheckName { .liveness }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult {
        let active = run.snapshot.clients.filter { !$0.retired }
        let retired = run.snapshot.clients.count - active.count
        var offenders: [String] = []
        for row in active {
            var problems: [String] = []
            if !row.connected { problems.append("disconnected") }
            if !row.lastRequestOK { problems.append("last request failed") }
            if !problems.isEmpty { offenders.append("\(row.client) (\(problems.joined(separator: ", ")))") }
        }
        let retiredNote = retired == 0 ? "" : " (\(retired) retired duplicate-login devices not counted)"
        if offenders.isEmpty {
            return pass("all \(active.count) clients connected and served at \(run.end)" + retiredNote)
        }
        let first = active.first { !$0.connected || !$0.lastRequestOK }!
        let example = Counterexample(kind: .missing, summary: "\(first.client) (\(first.user)) is not live at \(run.end)",
                                     marks: run.connectionHistory(of: first.client), subject: .node(first.client))
        return fail("\(offenders.count) of \(active.count) clients not live at \(run.end): "
                    + Detail.list(offenders) + retiredNote).with(example)
    }
}
