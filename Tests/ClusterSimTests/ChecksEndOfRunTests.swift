import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The verdicts' working state at the end of a run, kept small (issue 13: the end of the run is
/// the peak of memory): chat-delivery's per-slot counts and first receivers in 4 bytes, the
/// single-session end state grouped by sorting instead of an array per user.
@Suite("end-of-run verdicts: compact working state")
struct ChecksEndOfRunTests {
    /// A line to bob, carol and dave, received by carol and dave first, then by two of bob's
    /// devices: client-2 (`retiredFirst`: retired, a kicked duplicate login) and client-5.
    private func bobTwice(retiredFirst: Bool) -> CheckResult {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "alice", "members": "bob,carol,dave"])
        for (client, s) in [(3, 2), (4, 3), (2, 4), (5, 5)] {
            t.log(.seconds(Int64(s)), Fx.cl(client), NodeLog.chatReceived, ["msg": 1])
        }
        let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob", connected: false, retired: retiredFirst),
                       makeClient(3, user: "carol"), makeClient(4, user: "dave"), makeClient(5, user: "bob")]
        return ChatDeliveryChecker().check(makeRun(t.events, snapshot: ClusterSnapshot(clients: clients)))
    }

    @Test("chat-delivery: a line's first receiver is the client that received it first (a retired device's copy is a redelivery)")
    func chatFirstReceiver() {
        let redelivered = bobTwice(retiredFirst: true)
        #expect(redelivered.passed, "\(redelivered.detail)")
        #expect(redelivered.detail.contains("duplicate-login-redelivery=1"), "\(redelivered.detail)")
        let duplicate = bobTwice(retiredFirst: false)
        #expect(!duplicate.passed && duplicate.detail.contains("duplicate=1"), "\(duplicate.detail)")
    }

    @Test("single-session: users holding two streams at the end are listed by name; the first by name is the counterexample")
    func doubledUsersInOrder() {
        let streams = [StreamRow(frontend: Fx.fe(2), user: "bob", connection: 9),
                       StreamRow(frontend: Fx.fe(1), user: "alice", connection: 4),
                       StreamRow(frontend: Fx.fe(1), user: "bob", connection: 3),
                       StreamRow(frontend: Fx.fe(2), user: "carol", connection: 8),
                       StreamRow(frontend: Fx.fe(2), user: "alice", connection: 7)]
        var t = TraceBuilder()
        for user in ["bob", "alice"] { t.log(.seconds(1), Fx.session, NodeLog.sessionLogin, ["user": user]) }
        let result = SingleSessionChecker().check(makeRun(t.events, snapshot: ClusterSnapshot(frontendStreams: streams)))
        #expect(!result.passed)
        #expect(result.detail == "users with two streams at the end: alice: alice@frontend-1#4 alice@frontend-2#7, "
                + "bob: bob@frontend-1#3 bob@frontend-2#9")
        #expect(result.counterexample?.summary == "alice holds two streams at the end")
    }
}
