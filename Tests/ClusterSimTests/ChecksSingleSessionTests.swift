import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("single-session checker")
struct ChecksSingleSessionTests {
    /// alice on frontend-1 (conn 1) from 1s; a second login on frontend-2 (conn 7) at 5s; the old
    /// stream ends at `oldEnds` (nil: never).
    func secondLogin(oldEnds: Duration?, extra: (inout TraceBuilder) -> Void = { _ in }) -> [TraceEvent] {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.fe(1), NodeLog.streamAccepted, ["user": "alice", "conn": 1])
        t.log(.seconds(5), Fx.fe(2), NodeLog.streamAccepted, ["user": "alice", "conn": 7])
        extra(&t)
        if let oldEnds { t.log(oldEnds, Fx.fe(1), NodeLog.streamEnded, ["user": "alice", "conn": 1, "reason": "kicked"]) }
        return t.events.sorted { $0.at < $1.at }
    }

    @Test("a kick within the grace passes")
    func briefOverlap() {
        let result = SingleSessionChecker().check(makeRun(secondLogin(oldEnds: .milliseconds(5_010))))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.contains("1 brief overlaps within the grace 1.000s"))
    }

    @Test("two streams open together for 3s fail")
    func longOverlap() {
        let result = SingleSessionChecker().check(makeRun(secondLogin(oldEnds: .seconds(8))))
        #expect(!result.passed)
        #expect(result.detail == "overlaps longer than the grace 1.000s: alice at 5.000s for 3.000s")
    }

    @Test("a frontend crash ends its streams", arguments: [TraceKind.crash, .restart])
    func crashEnds(_ kind: TraceKind) {
        let events = secondLogin(oldEnds: nil) { $0.net(.milliseconds(5_200), kind, Fx.fe(1), label: "crash") }
        let result = SingleSessionChecker().check(makeRun(events))
        #expect(result.passed, "\(result.detail)")
    }

    @Test("fencing a frontend ends its streams")
    func fencingEnds() {
        let events = secondLogin(oldEnds: nil) { $0.log(.milliseconds(5_300), Fx.fe(1), NodeLog.fenced) }
        #expect(SingleSessionChecker().check(makeRun(events)).passed)
    }

    @Test("a stream never ended overlaps to the end of the run")
    func neverEnded() {
        let result = SingleSessionChecker().check(makeRun(secondLogin(oldEnds: nil)))
        #expect(!result.passed)
        #expect(result.detail.contains("alice at 5.000s for 65.000s"))
    }

    @Test("an overlap during a partition is excused and counted")
    func excusedDuringPartition() {
        let events = secondLogin(oldEnds: .seconds(9)) {
            $0.net(.seconds(4), .partition, nil, id: 1, label: "partition", detail: "[frontend-1] | [session-1]")
            $0.net(.seconds(6), .heal, nil, id: 1, label: "heal", detail: "[frontend-1] | [session-1]")
        }
        let result = SingleSessionChecker().check(makeRun(events))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.contains("1 longer overlaps excused during faults"))
    }

    @Test("an overlap while the manager is down (and the session node registers again) is excused; one after the slack is not",
          arguments: [(Duration.seconds(4), Duration.seconds(7), true), (.milliseconds(200), .milliseconds(500), false)])
    func excusedWhileManagerDown(crash: Duration, restart: Duration, excused: Bool) {
        // The overlap runs from 5 s to 9 s; the window is the outage stretched by the ping
        // timeout (3 s) and the grace (1 s): down 4–7 s meets it, down 0.2–0.5 s (to 4.5 s) does not.
        let events = secondLogin(oldEnds: .seconds(9)) {
            $0.net(crash, .crash, Fx.mgmt, label: "crash")
            $0.net(restart, .restart, Fx.mgmt, label: "restart")
        }
        let result = SingleSessionChecker().check(makeRun(events))
        #expect(result.passed == excused, "\(result.detail)")
        if excused { #expect(result.detail.contains("1 longer overlaps excused during faults")) }
    }

    @Test("the grace grows with the network's largest possible latency")
    func graceFollowsLatency() {
        let events = secondLogin(oldEnds: .milliseconds(6_300))
        let slow = NetworkSpec(defaults: LinkConditions(latency: .uniform(min: .milliseconds(1), max: .milliseconds(800))))
        let result = SingleSessionChecker().check(makeRun(events, network: slow))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.contains("grace 1.600s"))
        #expect(!SingleSessionChecker(minimumGrace: .milliseconds(100)).check(makeRun(secondLogin(oldEnds: .milliseconds(5_500)))).passed)
    }

    @Test("two streams of one user at the end fail")
    func doubledAtEnd() {
        let streams = [StreamRow(frontend: Fx.fe(1), user: "alice", connection: 1),
                       StreamRow(frontend: Fx.fe(2), user: "alice", connection: 7),
                       StreamRow(frontend: Fx.fe(2), user: "bob", connection: 8)]
        let result = SingleSessionChecker().check(makeRun([], snapshot: ClusterSnapshot(frontendStreams: streams)))
        #expect(!result.passed)
        #expect(result.detail == "users with two streams at the end: alice: alice@frontend-1#1 alice@frontend-2#7")
    }

    @Test("an overlap after a lost SessionLogin is excused only within the re-sync period", arguments: [
        ("SessionLogin", Duration.seconds(8), true),    // 3s overlap, repaired by the 5s re-sync: excused
        ("KickStream", Duration.seconds(8), true),
        ("SessionLogin", Duration.seconds(12), false),  // 7s: longer than re-sync + grace
        ("PushTo", Duration.seconds(8), false),         // an unrelated loss excuses nothing
    ])
    func lostCall(label: String, oldEnds: Duration, excused: Bool) {
        let events = secondLogin(oldEnds: oldEnds) {
            $0.net(.seconds(5), .drop, Fx.fe(2), peer: Fx.session, id: 40, label: label, detail: "loss")
        }
        let result = SingleSessionChecker().check(makeRun(events))
        #expect(result.passed == excused, "\(result.detail)")
        #expect(result.detail.contains("repaired by re-sync after a lost call") == excused)
    }
}
