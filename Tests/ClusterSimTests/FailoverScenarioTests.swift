import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("Failover scenarios on the simulator")
struct FailoverScenarioTests {
    @Test("every node registers; the manager registers itself first; no request is served before registration")
    func registration() throws {
        try withCluster(experiment(extra: #", "gateway": true, "chat": true"#)) { run, result in
            #expect(result.passed, "\(result.failures)")
            let registered = run.logs(NodeLog.registered)
            #expect(registered.first?.node == .management)
            #expect(Set(registered.compactMap(\.node)) == Set(run.experiment.nodeNames))
            let firstServe = run.logs(NodeLog.requestServed).first?.at
            let frontendUp = registered.filter { $0.node?.role == .frontend }.map(\.at).min()
            #expect(firstServe != nil && frontendUp != nil && firstServe! >= frontendUp!)
        }
    }

    @Test("a crashed frontend is removed after pingTimeout, its users dropped, its clients fail over")
    func frontendCrash() throws {
        let json = experiment(faults: #"[{"at": "10s", "crash": "frontend-2"}]"#)
        try withCluster(json, seed: 4) { run, result in
            #expect(result.passed, "\(result.failures)")
            let removed = try #require(run.logs(NodeLog.nodeRemoved).first { run.field("name", $0) == "frontend-2" })
            let detection = VirtualInstant.zero.advanced(by: .seconds(10)).duration(to: removed.at)
            #expect(detection >= .seconds(2) && detection <= .seconds(4), "detected after \(detection)")
            #expect(run.logs(NodeLog.sessionDropFrontend).contains { run.field("frontend", $0) == "frontend-2" })
            let snapshot = run.snapshot()
            #expect(snapshot.clients.allSatisfy { $0.connected && $0.frontend != NodeName(.frontend, 2) })
            #expect(snapshot.sessionEntries?.allSatisfy { $0.frontend != NodeName(.frontend, 2) } == true)
            #expect((result.metric("failover_ms") ?? .infinity) < 5_000)
        }
    }

    @Test("a restarted session node rebuilds its map from the frontends' re-sync")
    func sessionRestart() throws {
        let json = experiment(faults: #"[{"at": "10s", "crash": "session-1", "restartAfter": "2s"}]"#)
        try withCluster(json, seed: 5) { run, result in
            #expect(result.passed, "\(result.failures)")
            let resyncs = run.logs(NodeLog.sessionResync).filter { $0.at > VirtualInstant.zero.advanced(by: .seconds(12)) }
            #expect(Set(resyncs.compactMap { run.field("frontend", $0) }) == ["frontend-1", "frontend-2", "frontend-3"])
            #expect(run.snapshot().sessionEntries?.count == 30)
        }
    }

    @Test("after a manager restart every node registers again (ping answered unknown)")
    func managementRestart() throws {
        let json = experiment(extra: #", "chat": true"#, faults: #"[{"at": "10s", "crash": "management-1", "restartAfter": "3s"}]"#)
        try withCluster(json, seed: 6) { run, result in
            #expect(result.passed, "\(result.failures)")
            let again = run.logs(NodeLog.registered).filter { $0.at >= VirtualInstant.zero.advanced(by: .seconds(13)) }
            #expect(Set(again.compactMap(\.node)) == Set(run.experiment.nodeNames))
        }
    }

    @Test("a one-way partition of a frontend from the manager gets it removed and fenced; its supervisor starts it again")
    func oneWayPartitionFences() throws {
        let json = experiment(faults: #"[{"at": "8s", "partition": [["frontend-2"], ["management-1"]], "oneWay": true, "for": "5s"}]"#)
        try withCluster(json, seed: 7) { run, result in
            #expect(result.passed, "\(result.failures)")
            let fenced = try #require(run.logs(NodeLog.fenced, at: NodeName(.frontend, 2)).first)
            #expect(run.logs(NodeLog.fenced, at: NodeName(.frontend, 2)).count == 1)
            // The fenced process ended; a fresh incarnation registered after the partition healed.
            let again = run.logs(NodeLog.registered, at: NodeName(.frontend, 2)).filter { $0.at > fenced.at }
            #expect(!again.isEmpty)
            #expect(run.snapshot().liveServers.contains(NodeName(.frontend, 2)))
        }
    }

    @Test("a partition between a frontend and the session node delays pushes; they arrive after it heals")
    func partitionDelaysPushes() throws {
        let json = experiment(faults: #"[{"at": "8s", "partition": [["frontend-1"], ["session-1"]], "for": "2s"}]"#)
        try withCluster(json, seed: 8) { run, result in
            #expect(result.check("push-delivery")?.passed == true, "\(result.failures)")
            #expect(run.simulator.trace.events.contains { $0.kind == .drop && $0.detail == "partition" })
        }
    }

    @Test("duplicate login: the newer stream wins, the older is kicked, one session per user")
    func duplicateLogin() throws {
        let json = experiment(workload: #""pushRate": "1/s", "duplicateLogins": 0.5"#)
        try withCluster(json, seed: 9) { run, result in
            #expect(result.passed, "\(result.failures)")
            #expect(run.logs(NodeLog.sessionKick).count >= 5)
            #expect(result.check("single-session")?.passed == true)
        }
    }

    @Test("chat members on different frontends get every line by push")
    func chatAcrossFrontends() throws {
        let json = experiment(extra: #", "chat": true"#,
                              workload: #""chat": {"rooms": 3, "membersPerRoom": 5, "messageRate": "1/s"}"#)
        try withCluster(json, seed: 10) { run, result in
            #expect(result.passed, "\(result.failures)")
            #expect(run.logs(NodeLog.chatLine).count > 50)
            let frontends = Set(run.snapshot().clients.prefix(15).compactMap(\.frontend))
            #expect(frontends.count >= 2, "members should sit on several frontends")
        }
    }
}
