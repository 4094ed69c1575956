import ClusterSim
import Foundation
import FriendsService
import Nodes
import Testing

/// Failover tests of the friends service, written against ClusterSim's public API only.
@Suite("Friends service on a simulated cluster")
struct FriendsTests {
    static var services: ServiceRegistry {
        var registry = ServiceRegistry.standard
        FriendsServices.register(in: &registry, greeting: "hello from")
        return registry
    }

    static let experiment = """
    {
      "name": "friends-failover",
      "seed": 7,
      "duration": "20s",
      "settle": "8s",
      "cluster": { "frontends": 3, "gateway": true },
      "network": { "duplicate": 0.02, "drop": 0.01 },
      "workload": {
        "clients": 30, "rampUp": "2s", "requestRate": "0.5/s",
        "services": [
          { "service": "Friends.Add", "rate": "1/s" },
          { "service": "Friends.List", "rate": "0.5/s" },
          { "service": "Friends.Notify", "rate": "0.5/s" }
        ]
      },
      "faults": [ { "at": "6s", "crash": "frontend-2", "restartAfter": "5s" } ],
      "checks": ["registry-converges", "session-map-converges", "single-session", "push-delivery", "liveness",
                 "acknowledged-effects", "exactly-once"]
    }
    """

    @Test("Through a frontend crash and a duplicating network, every check passes and each store call runs once")
    func failover() throws {
        let run = try SimulatedRun(json: Self.experiment, services: Self.services)
        #expect(run.passed, "\(run.failures)")
        let executed = run.events(labelled: NodeLog.requestExecuted).filter { $0.fields.text("service") == FriendsStore.name }
        #expect(executed.count > 100, "the store executed \(executed.count) calls")
        let notified = run.events(labelled: NodeLog.pushAccepted)
        #expect(!notified.isEmpty, "no friend was notified")
        #expect(run.check(.exactlyOnce)?.passed == true)
    }

    @Test("The same file and seed give the same trace")
    func replay() throws {
        let first = try SimulatedRun(json: Self.experiment, services: Self.services)
        let second = try SimulatedRun(json: Self.experiment, services: Self.services)
        #expect(first.traceHash == second.traceHash)
    }

    @Test("An unregistered service in the workload is refused with its path")
    func unknownService() {
        #expect(throws: ExperimentError.self) {
            _ = try SimulatedRun(json: Self.experiment.replacingOccurrences(of: "Friends.List", with: "Friends.Lisst"),
                                 services: Self.services)
        }
    }
}
