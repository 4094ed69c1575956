import NetModel
@testable import Nodes
import Testing
@testable import ClusterSim

/// A finished run that its owner lets go frees its whole simulation: a test suite that runs many
/// experiments in one process does not keep each one's nodes, environments and simulator.
@Suite("a run let go frees its simulation")
struct RunReleaseTests {
    private final class Watched {
        weak var object: AnyObject?
        let name: String
        init(_ object: AnyObject, _ name: String) { self.object = object; self.name = name }
    }

    @Test("after a run with a crash, a restart and a pause, nothing of it stays once the run is let go")
    func everythingIsFreed() throws {
        let json = #"""
        {"name": "release", "duration": "3s", "settle": "1s", "cluster": {"frontends": 2, "chat": true, "gateway": true},
         "workload": {"clients": 6, "requestRate": "2/s", "pushRate": "2/s", "chat": {"rooms": 1, "membersPerRoom": 3, "messageRate": "1/s"}},
         "faults": [{"at": "1s", "crash": "frontend-1", "restartAfter": "500ms"}, {"at": "1500ms", "pause": "session-1", "for": "300ms"}]}
        """#
        var watched: [Watched] = []
        do {
            let run = ClusterRun(experiment: try Experiment.parse(json), seed: 3)
            _ = run.run()
            // An event still pending at the end that holds a node's environment, as a node's
            // scheduled closure or a sleeping task does.
            let env = try #require(run.environments[NodeName(.frontend, 2)])
            run.simulator.schedule(at: run.end.advanced(by: .seconds(3_600))) { _ = env.name }
            // And a timer held for a node still paused at the end (the file's pauses end before it).
            run.liveness.heldTimers[env.name, default: []].append { _ = env.name }
            watched = [Watched(run.simulator, "simulator"), Watched(run.liveness, "liveness"),
                       Watched(run.network, "network")]
            for name in run.nodes.unorderedKeys.sorted() {
                watched.append(Watched(run.nodes[name]!, "node \(name)"))
                watched.append(Watched(run.environments[name]!, "environment \(name)"))
            }
        }
        #expect(watched.count > 10)
        let kept = watched.filter { $0.object != nil }.map(\.name)
        #expect(kept.isEmpty, "still alive after the run was let go: \(kept)")
    }
}
