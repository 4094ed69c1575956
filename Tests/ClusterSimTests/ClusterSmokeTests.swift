import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("Cluster smoke")
struct ClusterSmokeTests {
    @Test("a small cluster registers, logs clients in and delivers pushes")
    func smoke() throws {
        let e = try Experiment.parse(#"""
        {"name": "smoke", "duration": "20s", "settle": "5s", "cluster": {"frontends": 2, "gateway": true, "chat": true},
         "workload": {"clients": 10, "rampUp": "2s", "requestRate": "1/s", "pushRate": "1/s",
                      "chat": {"rooms": 2, "membersPerRoom": 3, "messageRate": "1/s"}},
         "faults": [{"at": "10s", "crash": "frontend-1"}]}
        """#)
        let run = ClusterRun(experiment: e, seed: 3)
        let outcome = run.run()
        #expect(outcome.isClean)
        var counts: [String: Int] = [:]
        for ev in run.simulator.trace.events where ev.kind == .node { counts[ev.label, default: 0] += 1 }
        for k in counts.keys.sorted() { print("  \(k): \(counts[k]!)") }
        print("events \(run.simulator.trace.count) hash \(run.simulator.trace.hash)")
        for ev in run.simulator.trace.events where ev.kind == .node && (ev.label == "unexpected-message" || ev.label == "request-rejected") { print(ev.jsonLine) }
    }
}
