import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("chat-liveness checker")
struct ChecksChatLivenessTests {
    /// alice (client-1, and client-4: a second device) and bob (client-2) share room 1.
    static let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob"), makeClient(4, user: "alice")]
    static let room1 = [ChatMemberRow(room: 1, user: "alice"), ChatMemberRow(room: 1, user: "bob")]

    /// A 60 s run (load ends at 60 s) of `t` with the given planned faults and rooms at the end.
    func record(_ t: TraceBuilder, faults: [Fault] = [], members: [ChatMemberRow]? = room1) -> RunRecord {
        let experiment = Experiment(name: "chat", duration: .seconds(60), cluster: ClusterShape(frontends: 2, chat: true),
                                    faults: faults)
        var events = t.events
        for i in events.indices { events[i].seq = i + 1 }
        return RunRecord(experiment: experiment, events: events,
                         snapshot: ClusterSnapshot(clients: Self.clients, chatMembers: members))
    }

    func check(_ t: TraceBuilder, faults: [Fault] = [], members: [ChatMemberRow]? = room1) -> CheckResult {
        ChatLivenessChecker().check(record(t, faults: faults, members: members))
    }

    /// alice says `msg` in room 1 at `at` (her client is told ok 2 ms later); bob's client
    /// receives it 5 ms later unless `received` is nil.
    func line(_ t: inout TraceBuilder, _ msg: Int, at: Duration, received: Int? = 2) {
        t.log(at, Fx.chat, NodeLog.chatLine, ["msg": msg, "room": 1, "sender": "alice", "members": "bob"])
        t.log(at + .milliseconds(2), Fx.cl(1), NodeLog.clientReply,
              ["service": "ChatCommand", "result": "ok", "reason": "-", "req": msg, "msg": msg])
        if let received { t.log(at + .milliseconds(5), Fx.cl(received), NodeLog.chatReceived, ["msg": msg]) }
    }

    /// alice tries to say a line at `at` and is refused: chat is in use, and not working.
    func tried(_ t: inout TraceBuilder, at: Duration) {
        t.log(at, Fx.cl(1), NodeLog.clientReply,
              ["service": "ChatCommand", "result": "error", "reason": "chat-unavailable", "req": 99, "msg": 99])
    }

    /// A line at 10 s, frontend-1 crashed at 30 s and restarted at 40 s (T = 40 s).
    func beforeAndFault() -> TraceBuilder {
        var t = TraceBuilder()
        line(&t, 1, at: .seconds(10))
        t.net(.seconds(30), .crash, Fx.fe(1), label: "crash")
        t.net(.seconds(40), .restart, Fx.fe(1), label: "restart")
        return t
    }

    @Test("a line said after the last fault and received by another member passes")
    func passes() {
        var t = beforeAndFault()
        line(&t, 2, at: .seconds(50))
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "last fault ends 40.000s, load ends 60.000s; rooms with lines 1, judged 1, quiet 0, lines after the fault 1")
    }

    @Test("a room whose members said nothing after the last fault is quiet, not judged")
    func quietRoom() {
        let result = check(beforeAndFault())
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "last fault ends 40.000s, load ends 60.000s; rooms with lines 1, judged 0, quiet 1, lines after the fault 0")
    }

    @Test("planted bug: chat stops after the fault (no line, or no line received by another member)",
          arguments: ["no-line", "not-received", "only-sender-device", "after-load"])
    func silentRoom(_ bug: String) {
        var t = beforeAndFault()
        switch bug {
        case "not-received": line(&t, 2, at: .seconds(50), received: nil)
        case "only-sender-device": line(&t, 2, at: .seconds(50), received: 4)
        case "after-load": line(&t, 2, at: .seconds(61))
        default: break
        }
        tried(&t, at: .seconds(55))
        let result = check(t)
        #expect(!result.passed)
        let last = bug == "no-line" ? "10.000s" : bug == "after-load" ? "61.000s" : "50.000s"
        #expect(result.detail.hasSuffix("failures: silent-room=1: room 1 (alice,bob) last line \(last)"), "\(result.detail)")
    }

    @Test("the load ends less than the recovery bound after the last fault: not judged")
    func notJudged() {
        var t = TraceBuilder()
        line(&t, 1, at: .seconds(10))
        t.net(.seconds(55), .crash, Fx.fe(1), label: "crash")
        let result = check(t)
        #expect(result.passed)
        #expect(result.detail == "last fault ends 55.000s, load ends 60.000s; not judged: load ends 5.000s after the last fault"
                + " (recovery bound 10.000s)")
    }

    @Test("a partition that heals only at the end of the load leaves nothing to judge")
    func plannedPartition() {
        var t = TraceBuilder()
        line(&t, 1, at: .seconds(10))
        let partition = Fault(at: .seconds(20), action: .partition(groups: [[Fx.fe(1)], [Fx.session]], oneWay: false, heal: nil))
        let result = check(t, faults: [partition])
        #expect(result.passed)
        #expect(result.detail.contains("not judged: load ends 0.000s after the last fault"), "\(result.detail)")
    }

    @Test("rooms with fewer than two members at the end are not judged")
    func emptiedRoom() {
        let result = check(beforeAndFault(), members: [ChatMemberRow(room: 1, user: "alice")])
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasSuffix("rooms with lines 1, judged 0, quiet 0, lines after the fault 0"))
    }

    @Test("without rooms in the snapshot, the members of the room's last line are used")
    func membersFromLastLine() {
        var t = beforeAndFault()
        tried(&t, at: .seconds(50))
        let result = check(t, members: nil)
        #expect(!result.passed)
        #expect(result.detail.hasSuffix("silent-room=1: room 1 (alice,bob) last line 10.000s"), "\(result.detail)")
    }

    @Test("the members named are those of the room's last line, not of an earlier one")
    func membersOfTheLastLine() {
        var t = TraceBuilder()
        t.log(.seconds(5), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "alice", "members": "bob"])
        t.log(.seconds(10), Fx.chat, NodeLog.chatLine, ["msg": 2, "room": 1, "sender": "alice", "members": "bob,carol"])
        t.net(.seconds(30), .crash, Fx.fe(1), label: "crash")
        t.net(.seconds(40), .restart, Fx.fe(1), label: "restart")
        tried(&t, at: .seconds(50))
        let result = check(t, members: nil)
        #expect(result.detail.hasSuffix("silent-room=1: room 1 (alice,bob,carol) last line 10.000s"), "\(result.detail)")
    }

    /// A line in room 1 at 10 s, then chat-1 crashed at 30 s and restarted at 35 s (T = 35 s).
    func chatRestart() -> TraceBuilder {
        var t = TraceBuilder()
        line(&t, 1, at: .seconds(10))
        t.net(.seconds(30), .crash, Fx.chat, label: "crash")
        t.net(.seconds(35), .restart, Fx.chat, label: "restart")
        return t
    }

    @Test("planted bug: after a chat-node restart nobody rejoins; the lost room fails though the snapshot has no rooms")
    func lostRoom() {
        var t = chatRestart()
        tried(&t, at: .seconds(45))
        let result = check(t, members: [])
        #expect(!result.passed)
        #expect(result.detail == "last fault ends 35.000s, load ends 60.000s; rooms with lines 1, judged 1, quiet 0, lines after the fault 0; "
                + "failures: silent-room=1: room 1 (alice,bob) last line 10.000s (lost with a chat-node crash)")
    }

    @Test("after a chat-node restart the members rejoin and chat again: both rooms pass")
    func lostRoomRejoined() {
        var t = chatRestart()
        line(&t, 2, at: .seconds(45))
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasSuffix("rooms with lines 2, judged 2, quiet 0, lines after the fault 1"), "\(result.detail)")
        // A line after the restart that only the sender's other device received does not revive the room.
        var alone = chatRestart()
        line(&alone, 2, at: .seconds(45), received: 4)
        #expect(check(alone).detail.hasSuffix("silent-room=2: room 1 (alice,bob) last line 10.000s (lost with a chat-node crash), "
                                              + "room 1 (alice,bob) last line 45.000s"), "\(check(alone).detail)")
    }

    @Test("without any fault the whole load phase is the window")
    func noFault() {
        var t = TraceBuilder()
        line(&t, 1, at: .seconds(10))
        let result = check(t)
        #expect(result.passed)
        #expect(result.detail == "no fault, load ends 60.000s; rooms with lines 1, judged 1, quiet 0, lines after the fault 1")
    }

    @Test("the end of the last fault: trace events, the record's lastFault and the planned ends")
    func lastFaultEnd() {
        let at = { (s: Int) in VirtualInstant.zero.advanced(by: .seconds(s)) }
        #expect(record(TraceBuilder()).lastFaultEnd() == nil)
        #expect(record(beforeAndFault()).lastFaultEnd() == at(40))
        let crash = Fault(at: .seconds(20), action: .crash(Fx.fe(1), restartAfter: .seconds(25)))
        let pause = Fault(at: .seconds(30), action: .pause(Fx.mgmt, resumeAfter: .seconds(2)))
        let offset = Fault(at: .seconds(33), action: .clockOffset(Fx.fe(2), by: .seconds(2)))
        #expect(record(TraceBuilder(), faults: [crash, pause, offset]).lastFaultEnd() == at(45))
        #expect(record(TraceBuilder(), faults: [pause, offset]).lastFaultEnd() == at(33))
        var withRecorded = record(TraceBuilder(), faults: [pause])
        withRecorded.lastFault = at(36)
        #expect(withRecorded.lastFaultEnd() == at(36))
    }

    @Test("streamed in batches, the verdict is the record's")
    func streamed() {
        var t = beforeAndFault()
        line(&t, 2, at: .seconds(50), received: 4)
        line(&t, 3, at: .seconds(52))
        expectStreamedEqualsRecord(record(t), .chatLiveness)
        var restarted = chatRestart()
        line(&restarted, 2, at: .seconds(45))
        expectStreamedEqualsRecord(record(restarted, members: []), .chatLiveness)
    }
}
