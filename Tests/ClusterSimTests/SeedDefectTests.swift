import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The seed's known defects (DESIGN.md §4), each shown gone by a run that would fail with the
/// seed's behaviour.
@Suite("The seed's defects are fixed")
struct SeedDefectTests {
    static let duplicateLogins = experiment(frontends: 3, clients: 40, workload: #""pushRate": "1/s", "duplicateLogins": 0.5"#)

    /// Logouts that removed a session other than the user's latest login: stale cleanups that won.
    static func staleErasures(_ run: ClusterRun) -> Int {
        var latest: [String: String] = [:]
        var erased = 0
        for e in run.simulator.trace.events where e.kind == .node && e.node == .session {
            guard let user = run.field("user", e), let conn = run.field("conn", e) else { continue }
            if e.label == NodeLog.sessionLogin { latest[user] = conn }
            if e.label == NodeLog.sessionLogout, run.field("removed", e) == "true", latest[user] != conn { erased += 1 }
        }
        return erased
    }

    @Test("stale cleanup: a logout of an old stream never erases the newer session")
    func staleCleanup() throws {
        try withCluster(Self.duplicateLogins, seed: 3) { run, result in
            #expect(result.check("session-map-converges")?.passed == true, "\(result.failures)")
            #expect(Self.staleErasures(run) == 0)
        }
        // The seed's behaviour (remove by user only), planted: stale logouts erase newer sessions
        // (the frontends' periodic re-sync repairs the map later, which is why we count erasures).
        try withCluster(Self.duplicateLogins, seed: 3, configure: { $0.plantedBugs.sessionIgnoresConnection = true }) { run, _ in
            #expect(Self.staleErasures(run) > 0)
        }
    }

    @Test("stale users of a dead frontend are dropped when management removes it")
    func staleUsersDropped() throws {
        let json = experiment(faults: #"[{"at": "10s", "crash": "frontend-1"}]"#, workload: #""pushRate": "0/s""#)
        try withCluster(json, seed: 2) { run, result in
            let drop = try #require(run.logs(NodeLog.sessionDropFrontend).first)
            #expect(run.field("frontend", drop) == "frontend-1")
            #expect(result.check("session-map-converges")?.passed == true, "\(result.failures)")
        }
    }

    @Test("a broadcast reaches every live frontend's users even when one frontend is dead")
    func broadcastSurvivesDeadFrontend() throws {
        let json = experiment(frontends: 3, clients: 30, settle: "1s",
                              faults: #"[{"at": "10s", "crash": "frontend-3"}]"#, workload: #""pushRate": "0/s""#)
        try withCluster(json, seed: 1, configure: { run in
            // At 11s — frontend-3 dead, not yet removed — a backend caller broadcasts.
            run.simulator.schedule(at: VirtualInstant.zero.advanced(by: .seconds(11))) {
                let caller = run.network.attach(NodeName(.frontend, 9)) { _ in }
                caller.send(.backend(group: "k2svc", .broadcast(pushID: 42, body: .broadcast(text: "all"),
                                                                acceptedAt: run.simulator.now.nanoseconds,
                                                                request: RequestKey(origin: NodeName(.frontend, 9), id: 1))),
                            to: .session)
            }
        }) { run, _ in
            let receivers = run.logs(NodeLog.pushReceived).filter { run.field("push", $0) == "42" }.compactMap(\.node)
            let live = run.snapshot().clients.filter { $0.frontend != NodeName(.frontend, 3) }.map(\.client)
            #expect(receivers.count >= 20, "only \(receivers.count) users got the broadcast")
            #expect(Set(live).isSubset(of: Set(receivers)))
        }
    }

    @Test("a backend call with a wrong group id is rejected and its handler never runs")
    func wrongGroupRejected() throws {
        let json = experiment(clients: 10, workload: #""pushRate": "0/s", "attacks": {"clients": 2, "rate": "3/s"}"#)
        try withCluster(json, seed: 1) { run, result in
            #expect(result.check("backend-auth")?.passed == true, "\(result.failures)")
            #expect(run.logs(NodeLog.backendRejected).count >= 5)
            // The attack is "kick user-1": had it run, user-1 would have been kicked.
            #expect(run.logs(NodeLog.sessionKick).isEmpty)
        }
    }

    @Test("the chat node rejects a backend call with a wrong group id and never runs it")
    func chatNodeRejectsWrongGroup() throws {
        let json = experiment(clients: 4, extra: #", "chat": true"#, workload: #""pushRate": "0/s""#)
        try withCluster(json, seed: 1, configure: { run in
            run.simulator.schedule(at: VirtualInstant.zero.advanced(by: .seconds(5))) {
                let stranger = run.network.attach(NodeName(.frontend, 9)) { _ in }
                let key = RequestKey(origin: NodeName(.frontend, 9), id: 1)
                stranger.send(.backend(group: "not-the-cluster", .chat(user: "user-1", command: .create(title: "forged"), request: key)),
                              to: NodeName(.chat, 1))
            }
        }) { run, _ in
            #expect(run.logs(NodeLog.backendRejected, at: NodeName(.chat, 1)).count == 1)
            let executed = run.logs(NodeLog.requestExecuted, at: NodeName(.chat, 1))
            #expect(!executed.contains { run.field("origin", $0) == "frontend-9" }, "the forged create ran")
        }
    }

    @Test("tokens expire: a replayed expired token and a forged one are refused")
    func tokensExpire() throws {
        let json = #"{"name": "t", "duration": "20s", "settle": "5s", "cluster": {"frontends": 2}, "timing": {"tokenLifetime": "3s"}, "workload": {"clients": 10, "rampUp": "1s", "requestRate": "1/s", "attacks": {"clients": 3, "rate": "3/s"}}}"#
        try withCluster(json, seed: 2) { run, result in
            #expect(result.check("client-auth")?.passed == true, "\(result.failures)")
            #expect(result.check("liveness")?.passed == true, "\(result.failures)")
            let reasons = run.logs(NodeLog.requestRejected).compactMap { run.field("reason", $0) }
            #expect(reasons.contains("expired-token"))
            #expect(reasons.contains { $0.hasPrefix("bad-token") })
        }
    }
}

@Suite("Robustness: malformed and unexpected messages")
struct MalformedMessageTests {
    @Test("a node that receives a malformed or unexpected message logs it, counts it and carries on")
    func malformed() throws {
        try withCluster(experiment(clients: 10), seed: 1, configure: { run in
            run.simulator.schedule(at: VirtualInstant.zero.advanced(by: .seconds(5))) {
                let stranger = run.network.attach(NodeName(.client, 77)) { _ in }
                stranger.send(.pushAck(upTo: 7, generation: 0), to: NodeName(.frontend, 1))   // stream-only, sent one-shot
                stranger.send(.pong(known: true, config: nil), to: .session)
                stranger.send(.registerAccepted(epoch: 9, config: NodeConfig(sessionNode: nil, frontends: [])),
                              to: NodeName(.frontend, 2))
            }
        }) { run, result in
            let unexpected = run.logs(NodeLog.unexpected)
            #expect(unexpected.count >= 3)
            #expect((result.metric("unexpected_messages") ?? 0) >= 3)
            #expect(unexpected.contains { $0.node == NodeName(.frontend, 1) && run.field("what", $0) == "PushAck" })
            #expect(result.passed, "\(result.failures)")
        }
    }
}
