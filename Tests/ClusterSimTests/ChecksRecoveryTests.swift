import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// `liveness` and `session-map-converges` after a node exits near the end of the run: a fenced
/// node ended by its supervisor (a crash no planned fault explains) less than the recovery bound
/// before the end leaves what it touched in recovery, counted and not judged; anything else is
/// judged as before.
@Suite("End-state checks after an exit near the end")
struct ChecksRecoveryTests {
    /// A 60 s + 10 s run (end 70 s) of `t`, with `faults` planned.
    func run(_ t: TraceBuilder, snapshot: ClusterSnapshot, faults: [Fault] = []) -> RunRecord {
        let experiment = Experiment(name: "recovery", duration: .seconds(60), cluster: ClusterShape(frontends: 2),
                                    faults: faults)
        var events = t.events
        for i in events.indices { events[i].seq = i + 1 }
        return RunRecord(experiment: experiment, events: events, snapshot: snapshot)
    }

    /// `node` exits at `at` as the simulated runner records it: its exit marker, then its crash.
    static func exit(_ t: inout TraceBuilder, _ node: NodeName, at: Duration, marker: String? = nil) {
        t.net(at, .fault, nil, label: "fault", detail: marker ?? NodeExit.marker(for: node))
        t.net(at, .crash, node, label: "crash")
    }

    /// frontend-2 exits at `exit` and bob's client-2 loses its stream there `lag` later.
    func frontendExit(at exit: Duration, lag: Duration = .milliseconds(1), from frontend: Int = 2,
                      marker: String? = nil) -> TraceBuilder {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.cl(2), NodeLog.clientConnected, ["frontend": Fx.fe(2), "conn": 1])
        Self.exit(&t, Fx.fe(2), at: exit, marker: marker)
        t.log(exit + lag, Fx.cl(2), NodeLog.clientDisconnected, ["frontend": Fx.fe(frontend), "reason": "peer-crashed"])
        return t
    }

    static let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob", connected: false)]

    @Test("liveness: a client cut by an exit 5 s before the end is in recovery, not judged")
    func livenessExcusesRecentExit() {
        let result = LivenessChecker().check(run(frontendExit(at: .seconds(65)), snapshot: ClusterSnapshot(clients: Self.clients)))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "1 of 2 clients connected and served at 70.000s; in recovery, not judged: 1 whose frontend or session node"
                + " exited (frontend-2 at 65.000s, 5.000s before the end; recovery bound 10.000s): client-2")
    }

    /// Each case must still fail: the exception is only for an exit, recent, of the client's own
    /// frontend, that came before the client lost its stream.
    @Test("liveness: planted misses of the exception still fail",
          arguments: ["planned crash", "another node's marker", "exit too early", "other frontend",
                      "disconnected before the exit", "no exit"])
    func livenessStillJudges(_ variant: String) {
        var faults: [Fault] = []
        var t: TraceBuilder
        switch variant {
        case "planned crash":
            let crash = FaultAction.crash(Fx.fe(2), restartAfter: nil)
            t = frontendExit(at: .seconds(65), marker: "\(crash)")
            faults = [Fault(at: .seconds(65), action: crash)]
        case "another node's marker": t = frontendExit(at: .seconds(65), marker: NodeExit.marker(for: Fx.fe(1)))
        case "exit too early": t = frontendExit(at: .seconds(59))
        case "other frontend": t = frontendExit(at: .seconds(65), from: 1)
        case "disconnected before the exit": t = frontendExit(at: .seconds(65), lag: .milliseconds(-1))
        default:
            t = TraceBuilder()
            t.log(.seconds(65), Fx.cl(2), NodeLog.clientDisconnected, ["frontend": Fx.fe(2), "reason": "peer-crashed"])
        }
        let result = LivenessChecker().check(run(t, snapshot: ClusterSnapshot(clients: Self.clients), faults: faults))
        #expect(!result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("1 of 2 clients not live at 70.000s: client-2 (disconnected)"), "\(result.detail)")
    }

    static let streams = [StreamRow(frontend: Fx.fe(1), user: "alice", connection: 3),
                          StreamRow(frontend: Fx.fe(2), user: "bob", connection: 9)]

    @Test("session-map-converges: after session-1 exits, unmapped streams are in recovery; stale entries are still judged")
    func sessionExit() {
        var t = TraceBuilder()
        Self.exit(&t, Fx.session, at: .seconds(68))
        let empty = run(t, snapshot: ClusterSnapshot(sessionEntries: [], frontendStreams: Self.streams))
        let passed = SessionMapConvergesChecker().check(empty)
        #expect(passed.passed, "\(passed.detail)")
        #expect(passed.detail == "the session map matches the 0 open streams; in recovery, not judged: 2 rows of nodes that"
                + " exited (session-1 at 68.000s, 2.000s before the end; recovery bound 10.000s): alice@frontend-1#3, bob@frontend-2#9")
        let stale = run(t, snapshot: ClusterSnapshot(sessionEntries: [SessionRow(user: "carol", frontend: Fx.fe(1), connection: 4)],
                                                    frontendStreams: Self.streams))
        let failed = SessionMapConvergesChecker().check(stale)
        #expect(!failed.passed)
        #expect(failed.detail.hasPrefix("stale entries (no such stream): carol@frontend-1#4; in recovery"), "\(failed.detail)")
    }

    @Test("session-map-converges: after frontend-2 exits, only frontend-2's rows are in recovery",
          arguments: [false, true])
    func frontendExitRows(_ planned: Bool) {
        var t = TraceBuilder()
        let crash = FaultAction.crash(Fx.fe(2), restartAfter: nil)
        Self.exit(&t, Fx.fe(2), at: .seconds(65), marker: planned ? "\(crash)" : nil)
        let entries = [SessionRow(user: "alice", frontend: Fx.fe(1), connection: 3),
                       SessionRow(user: "dave", frontend: Fx.fe(2), connection: 7)]   // bob unmapped, dave stale: both frontend-2
        let faults = planned ? [Fault(at: .seconds(65), action: crash)] : []
        let result = SessionMapConvergesChecker().check(run(t, snapshot: ClusterSnapshot(sessionEntries: entries,
                                                                                           frontendStreams: Self.streams), faults: faults))
        #expect(result.passed == !planned, "\(result.detail)")
        if planned {
            #expect(result.detail == "stale entries (no such stream): dave@frontend-2#7; unmapped streams (no entry): bob@frontend-2#9")
        }
    }

    @Test("session-map-converges: session-1 down at the end after a recent exit is not judged; after an old one, or a planned crash, it fails",
          arguments: ["recent exit", "old exit", "planned crash"])
    func sessionDownAfterExit(_ variant: String) {
        var t = TraceBuilder()
        let crash = FaultAction.crash(Fx.session, restartAfter: nil)
        Self.exit(&t, Fx.session, at: variant == "old exit" ? .seconds(50) : .seconds(69.5),
                  marker: variant == "planned crash" ? "\(crash)" : nil)
        let result = SessionMapConvergesChecker().check(run(t, snapshot: ClusterSnapshot(frontendStreams: Self.streams)))
        #expect(result.passed == (variant == "recent exit"), "\(result.detail)")
        #expect(result.detail.contains("session-1 is down at the end"), "\(result.detail)")
    }

    /// bob's client-2 moved from frontend-2 (which exited at 65 s) to frontend-1, where its new
    /// stream is not mapped yet; alice's stream at frontend-1 is mapped, bob's old entry at
    /// frontend-2 is stale.
    static let movedSnapshot = ClusterSnapshot(
        sessionEntries: [SessionRow(user: "alice", frontend: Fx.fe(1), connection: 3),
                         SessionRow(user: "bob", frontend: Fx.fe(2), connection: 9)],
        frontendStreams: [StreamRow(frontend: Fx.fe(1), user: "alice", connection: 3),
                          StreamRow(frontend: Fx.fe(1), user: "bob", connection: 12)],
        clients: [makeClient(1, user: "alice"), makeClient(2, user: "bob", frontend: 1)])

    @Test("session-map-converges: the new stream of a client that moved away from an exited frontend is in recovery")
    func movedClient() {
        let result = SessionMapConvergesChecker().check(run(frontendExit(at: .seconds(65)), snapshot: Self.movedSnapshot))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "the session map matches the 1 open streams; in recovery, not judged: 2 rows of nodes that"
                + " exited or of clients that moved away from them (1) (frontend-2 at 65.000s, 5.000s before the end;"
                + " recovery bound 10.000s): bob@frontend-2#9, bob@frontend-1#12")
    }

    /// Each case must still fail on bob's unmapped stream at frontend-1: the exception is only for
    /// a client that lost its stream at or after a recent exit of that stream's frontend, and only
    /// for its own new stream.
    @Test("session-map-converges: planted misses of the moved-client exception still fail",
          arguments: ["planned crash", "exit too early", "disconnected before the exit", "disconnected elsewhere",
                      "no exit", "another user's stream"])
    func movedClientStillJudged(_ variant: String) {
        var faults: [Fault] = []
        var snapshot = Self.movedSnapshot
        var t: TraceBuilder
        switch variant {
        case "planned crash":
            let crash = FaultAction.crash(Fx.fe(2), restartAfter: nil)
            t = frontendExit(at: .seconds(65), marker: "\(crash)")
            faults = [Fault(at: .seconds(65), action: crash)]
        case "exit too early": t = frontendExit(at: .seconds(59))
        case "disconnected before the exit": t = frontendExit(at: .seconds(65), lag: .milliseconds(-1))
        case "disconnected elsewhere": t = frontendExit(at: .seconds(65), from: 1)
        case "another user's stream":
            t = frontendExit(at: .seconds(65))
            snapshot.frontendStreams[1].user = "carol"
        default:
            t = TraceBuilder()
            t.log(.seconds(65), Fx.cl(2), NodeLog.clientDisconnected, ["frontend": Fx.fe(2), "reason": "peer-crashed"])
        }
        let result = SessionMapConvergesChecker().check(run(t, snapshot: snapshot, faults: faults))
        #expect(!result.passed, "\(result.detail)")
        let row = variant == "another user's stream" ? "carol@frontend-1#12" : "bob@frontend-1#12"
        #expect(result.detail.contains("unmapped streams (no entry): \(row)"), "\(result.detail)")
    }

    @Test("registry-converges: a node that exited less than the bound before the end is in recovery, stale or missing",
          arguments: [false, true])
    func registryAfterExit(_ listed: Bool) {
        var t = TraceBuilder()
        Self.exit(&t, Fx.fe(2), at: .seconds(68))
        // Stale: still listed and not live (restarting); missing: live again, not listed yet.
        let snapshot = listed
            ? ClusterSnapshot(liveServers: [Fx.mgmt, Fx.session, Fx.fe(1)], registry: [Fx.session, Fx.fe(1), Fx.fe(2)])
            : ClusterSnapshot(liveServers: [Fx.mgmt, Fx.session, Fx.fe(1), Fx.fe(2)], registry: [Fx.session, Fx.fe(1)])
        let result = RegistryConvergesChecker().check(run(t, snapshot: snapshot))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "the registry lists exactly the 2 live servers; in recovery, not judged: frontend-2"
                + " (frontend-2 at 68.000s, 2.000s before the end; recovery bound 10.000s)")
    }

    @Test("registry-converges: planted misses of the exception still fail",
          arguments: ["planned crash", "exit too early", "another node exited"])
    func registryStillJudged(_ variant: String) {
        var t = TraceBuilder()
        var faults: [Fault] = []
        switch variant {
        case "planned crash":
            let crash = FaultAction.crash(Fx.fe(2), restartAfter: nil)
            Self.exit(&t, Fx.fe(2), at: .seconds(68), marker: "\(crash)")
            faults = [Fault(at: .seconds(68), action: crash)]
        case "exit too early": Self.exit(&t, Fx.fe(2), at: .seconds(59))
        default: Self.exit(&t, Fx.fe(1), at: .seconds(68))
        }
        let snapshot = ClusterSnapshot(liveServers: [Fx.mgmt, Fx.session, Fx.fe(1)], registry: [Fx.session, Fx.fe(1), Fx.fe(2)])
        let result = RegistryConvergesChecker().check(run(t, snapshot: snapshot, faults: faults))
        #expect(!result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("stale (registered, not live): frontend-2"), "\(result.detail)")
    }

    /// frontend-2 removed by the manager at `at` for silence (last heard 3 s before), `reason`.
    static func removal(_ t: inout TraceBuilder, at: Duration, reason: String = "pingTimeout") {
        t.log(at, Fx.mgmt, NodeLog.nodeRemoved, ["name": Fx.fe(2), "epoch": 1, "reason": reason,
                                                 "last-heard-ns": Int((at - .seconds(3)).nanosecondsClamped)])
    }

    @Test("a running node the manager removed for silence less than the bound before the end is in recovery, like an exit")
    func silentRemoval() {
        var t = TraceBuilder()
        Self.removal(&t, at: .seconds(68))
        let registry = RegistryConvergesChecker().check(run(t, snapshot: ClusterSnapshot(
            liveServers: [Fx.mgmt, Fx.session, Fx.fe(1), Fx.fe(2)], registry: [Fx.session, Fx.fe(1)])))
        #expect(registry.passed, "\(registry.detail)")
        #expect(registry.detail == "the registry lists exactly the 2 live servers; in recovery, not judged: frontend-2"
                + " (frontend-2 removed at 68.000s, 2.000s before the end; recovery bound 10.000s)")
        let map = SessionMapConvergesChecker().check(run(t, snapshot: ClusterSnapshot(
            sessionEntries: [SessionRow(user: "alice", frontend: Fx.fe(1), connection: 3)], frontendStreams: Self.streams)))
        #expect(map.passed, "\(map.detail)")
    }

    /// Each still fails: only a removal for silence, recent, of a node that did not crash after
    /// it was last heard.
    @Test("planted misses of the silent-removal exception still fail",
          arguments: ["crashed while silent", "removed too early", "removed for another reason"])
    func removalStillJudged(_ variant: String) {
        var t = TraceBuilder()
        switch variant {
        case "crashed while silent":
            t.net(.seconds(66), .crash, Fx.fe(2), label: "crash")
            Self.removal(&t, at: .seconds(68))
        case "removed too early": Self.removal(&t, at: .seconds(59))
        default: Self.removal(&t, at: .seconds(68), reason: "reregistered")
        }
        let result = RegistryConvergesChecker().check(run(t, snapshot: ClusterSnapshot(
            liveServers: [Fx.mgmt, Fx.session, Fx.fe(1), Fx.fe(2)], registry: [Fx.session, Fx.fe(1)])))
        #expect(!result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("missing (live, not registered): frontend-2"), "\(result.detail)")
    }

    @Test("liveness: a client that lost its stream after session-1 exited is in recovery; before the exit it is judged",
          arguments: [true, false])
    func livenessAfterSessionExit(_ after: Bool) {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.cl(2), NodeLog.clientConnected, ["frontend": Fx.fe(1), "conn": 1])
        let disconnect = { (t: inout TraceBuilder, at: Duration) in
            t.log(at, Fx.cl(2), NodeLog.clientDisconnected, ["frontend": Fx.fe(1), "reason": "no-session-node"])
        }
        if !after { disconnect(&t, .seconds(64.8)) }
        Self.exit(&t, Fx.session, at: .seconds(65))
        if after { disconnect(&t, .seconds(65.2)) }
        let result = LivenessChecker().check(run(t, snapshot: ClusterSnapshot(clients: Self.clients)))
        #expect(result.passed == after, "\(result.detail)")
    }
}
