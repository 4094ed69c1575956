import Testing
import NetModel
@testable import ClusterSim

/// One registry scenario.
struct RegistryCase: Sendable, CustomTestStringConvertible {
    var label: String
    var live: [NodeName]
    var registry: [NodeName]?
    var passes: Bool
    var detailMentions: String
    var testDescription: String { label }
}

@Suite("Convergence and liveness checkers")
struct ChecksConvergenceTests {
    static let registryCases: [RegistryCase] = [
        RegistryCase(label: "exact match", live: [Fx.mgmt, Fx.session, Fx.fe(1), Fx.fe(2)],
                     registry: [Fx.session, Fx.fe(1), Fx.fe(2)], passes: true, detailMentions: "3 live servers"),
        RegistryCase(label: "crashed frontend still listed", live: [Fx.mgmt, Fx.session, Fx.fe(1)],
                     registry: [Fx.session, Fx.fe(1), Fx.fe(2)], passes: false, detailMentions: "stale (registered, not live): frontend-2"),
        RegistryCase(label: "live frontend missing", live: [Fx.mgmt, Fx.session, Fx.fe(1), Fx.fe(2)],
                     registry: [Fx.session, Fx.fe(2)], passes: false, detailMentions: "missing (live, not registered): frontend-1"),
        RegistryCase(label: "manager down", live: [Fx.session, Fx.fe(1)], registry: nil, passes: false,
                     detailMentions: "management-1 is down"),
    ]

    @Test("registry-converges", arguments: registryCases)
    func registry(_ c: RegistryCase) {
        let result = RegistryConvergesChecker().check(makeRun([], snapshot: ClusterSnapshot(liveServers: c.live, registry: c.registry)))
        #expect(result.passed == c.passes)
        #expect(result.detail.contains(c.detailMentions), "\(result.detail)")
    }

    static let streams = [StreamRow(frontend: Fx.fe(1), user: "alice", connection: 3),
                          StreamRow(frontend: Fx.fe(2), user: "bob", connection: 9)]

    @Test("session-map-converges passes when the map equals the streams")
    func sessionMapMatches() {
        let snapshot = ClusterSnapshot(sessionEntries: Self.streams.map(\.sessionRow).reversed(), frontendStreams: Self.streams)
        let result = SessionMapConvergesChecker().check(makeRun([], snapshot: snapshot))
        #expect(result.passed, "\(result.detail)")
    }

    @Test("session-map-converges fails on a stale entry and an unmapped stream")
    func sessionMapDiffers() {
        let entries = [SessionRow(user: "alice", frontend: Fx.fe(2), connection: 1),  // stream is on frontend-1
                       SessionRow(user: "bob", frontend: Fx.fe(2), connection: 9)]
        let result = SessionMapConvergesChecker().check(makeRun([], snapshot: ClusterSnapshot(sessionEntries: entries, frontendStreams: Self.streams)))
        #expect(!result.passed)
        #expect(result.detail == "stale entries (no such stream): alice@frontend-2#1; unmapped streams (no entry): alice@frontend-1#3")
    }

    @Test("session-map-converges fails when the session node is down")
    func sessionDown() {
        let result = SessionMapConvergesChecker().check(makeRun([], snapshot: ClusterSnapshot(frontendStreams: Self.streams)))
        #expect(!result.passed)
        #expect(result.detail.contains("session-1 is down"))
    }

    @Test("liveness passes when every non-retired client is connected and served")
    func livenessPasses() {
        let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob"),
                       makeClient(3, user: "bob", connected: false, ok: false, retired: true)]
        let result = LivenessChecker().check(makeRun([], snapshot: ClusterSnapshot(clients: clients)))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.contains("1 retired"))
    }

    @Test("liveness lists the clients that are not live")
    func livenessFails() {
        let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob", connected: false),
                       makeClient(3, user: "carol", ok: false), makeClient(4, user: "dave", connected: false, ok: false)]
        let result = LivenessChecker().check(makeRun([], snapshot: ClusterSnapshot(clients: clients)))
        #expect(!result.passed)
        #expect(result.detail == "3 of 4 clients not live at 70.000s: client-2 (disconnected), "
                + "client-3 (last request failed), client-4 (disconnected, last request failed)")
    }
}
