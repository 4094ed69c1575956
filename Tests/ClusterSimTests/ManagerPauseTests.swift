import NetModel
import Nodes
import Testing
@testable import ClusterSim

@Suite("A paused manager on the simulator: its deadline timer fires late, it forgives its own pause")
struct ManagerPauseTests {
    /// The removals and registrations after `from` (s), and the manager's wake-ups.
    private func churn(_ run: ClusterRun, after from: Int64) -> (removed: Int, registered: Int, woke: [VirtualInstant]) {
        let start = VirtualInstant.zero.advanced(by: .seconds(from))
        return (run.logs(NodeLog.nodeRemoved).filter { $0.at > start }.count,
                run.logs(NodeLog.registered).filter { $0.at > start }.count,
                run.logs(NodeLog.managerWoke).map(\.at))
    }

    @Test("paused 5 s, past every node's deadline: it wakes at the resume, forgives, and removes or re-registers nobody")
    func pausedPastEveryDeadline() throws {
        let json = experiment(extra: #", "gateway": true"#, faults: #"[{"at": "8s", "pause": "management-1", "for": "5s"}]"#)
        try withCluster(json, seed: 3) { run, result in
            #expect(result.passed, "\(result.failures)")
            let (removed, registered, woke) = churn(run, after: 1)
            #expect(removed == 0 && registered == 0, "\(removed) removed, \(registered) registered again")
            #expect(woke == [VirtualInstant.zero.advanced(by: .seconds(13))])
        }
    }

    @Test("paused 1 s, before any deadline: nothing came due while asleep, nothing to forgive, nobody removed")
    func pausedBeforeAnyDeadline() throws {
        let json = experiment(extra: #", "gateway": true"#, faults: #"[{"at": "8s", "pause": "management-1", "for": "1s"}]"#)
        try withCluster(json, seed: 3) { run, result in
            #expect(result.passed, "\(result.failures)")
            let (removed, registered, woke) = churn(run, after: 1)
            #expect(removed == 0 && registered == 0, "\(removed) removed, \(registered) registered again")
            #expect(woke.isEmpty)
        }
    }
}
