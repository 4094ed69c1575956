import NetModel
import Nodes

/// `liveness`: after the settle phase every client is logged in and served again.
///
/// Property: at `end` (duration + settle, after the last fault and a quiet period) every client
/// row of the snapshot that is not `retired` is `connected` (its push stream is open and accepted)
/// and its last request got a successful reply (`lastRequestOK`).
///
/// Allowed exceptions:
/// - retired clients — duplicate-login devices kicked on purpose because the newer login won — are
///   not expected to be live and are only counted;
/// - clients *in recovery*: a client that is not live and whose last disconnection
///   (`client-disconnected frontend=F`) came at or after an exit of F (``RunRecord/exits()``: a
///   fenced frontend ended by its supervisor: a crash after the runner's `exit(F)` marker) less than
///   ``RunRecord/recoveryBound`` before the end. The cluster removed F itself (most often because
///   the network lost its pings) too late in the run for its clients to be back; they are counted
///   and named in the detail, not judged.
///
/// Detail on failure: the first few offending clients with what is wrong (`client-3
/// (disconnected)`, `client-7 (last request failed)`) and how many there are.
package struct LivenessChecker: ScanningChecker, DisconnectionVerdict {
    /// Which check this is.
    package var name: CheckName { .liveness }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the clients' disconnections.
    func makeScan() -> any TraceScan<CheckResult> { DisconnectionScan<LivenessChecker>() }

    /// The verdict on the end state, with the clients' last disconnections for the exceptions.
    func verdict(_ disconnections: LastDisconnections, run: RunRecord) -> CheckResult {
        let active = run.snapshot.clients.filter { !$0.retired }
        let retired = run.snapshot.clients.count - active.count
        let exits = run.exitsInRecovery()
        var offenders: [String] = [], recovering: [NodeName] = [], causes: [NodeExit] = []
        var firstOffender: ClientRow?
        for row in active where !row.connected || !row.lastRequestOK {
            if let exit = disconnections.exit(behind: row.client, among: exits) {
                recovering.append(row.client)
                if !causes.contains(exit) { causes.append(exit) }
                continue
            }
            var problems: [String] = []
            if !row.connected { problems.append("disconnected") }
            if !row.lastRequestOK { problems.append("last request failed") }
            offenders.append("\(row.client) (\(problems.joined(separator: ", ")))")
            if firstOffender == nil { firstOffender = row }
        }
        let retiredNote = retired == 0 ? "" : " (\(retired) retired duplicate-login devices not counted)"
        let recoveryNote = recovering.isEmpty ? ""
            : "; in recovery, not judged: \(recovering.count) whose frontend or session node exited (" + RunRecord.describe(causes, end: run.end)
              + "): " + Detail.list(recovering.map(\.description))
        guard let first = firstOffender else {
            let live = active.count - recovering.count
            let summary = recovering.isEmpty ? "all \(active.count) clients" : "\(live) of \(active.count) clients"
            return pass("\(summary) connected and served at \(run.end)" + retiredNote + recoveryNote)
        }
        let example = Counterexample(kind: .missing, summary: "\(first.client) (\(first.user)) is not live at \(run.end)",
                                     marks: run.connectionHistory(of: first.client), subject: .node(first.client))
        return fail("\(offenders.count) of \(active.count) clients not live at \(run.end): "
                    + Detail.list(offenders) + retiredNote + recoveryNote).with(example)
    }
}
