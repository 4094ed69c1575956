import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("chat-delivery checker")
struct ChecksChatDeliveryTests {
    static let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob"), makeClient(3, user: "carol"),
                          makeClient(4, user: "dave")]

    /// alice says msg 1 then msg 2 to bob and carol.
    func lines(_ t: inout TraceBuilder) {
        t.log(.seconds(1), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "alice", "members": "bob,carol"])
        t.log(.seconds(2), Fx.chat, NodeLog.chatLine, ["msg": 2, "room": 1, "sender": "alice", "members": "bob,carol"])
    }

    func got(_ t: inout TraceBuilder, _ client: Int, _ msg: Int, at: Duration) {
        t.log(at, Fx.cl(client), NodeLog.chatReceived, ["msg": msg])
    }

    func check(_ t: TraceBuilder, clients: [ClientRow] = clients) -> CheckResult {
        ChatDeliveryChecker().check(makeRun(t.events, snapshot: ClusterSnapshot(clients: clients)))
    }

    /// Both lines reach bob and carol.
    func allDelivered() -> TraceBuilder {
        var t = TraceBuilder()
        lines(&t)
        for msg in 1...2 {
            got(&t, 2, msg, at: .seconds(2 + msg))
            got(&t, 3, msg, at: .seconds(2 + msg))
        }
        return t
    }

    @Test("every member receives every line once, in order")
    func passes() {
        let result = check(allDelivered())
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "lines 2, member deliveries due 4, delivered 4; exceptions: none")
    }

    @Test("a member who never receives a line fails")
    func lost() {
        var t = TraceBuilder()
        lines(&t)
        got(&t, 2, 1, at: .seconds(3))
        got(&t, 2, 2, at: .seconds(3))
        got(&t, 3, 1, at: .seconds(3))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.hasSuffix("failures: lost=1: msg 2 to carol lost (said 2.000s)"))
    }

    @Test("a missing line is excused when the member is disconnected or the session crashed")
    func excused() {
        var t = TraceBuilder()
        lines(&t)
        got(&t, 2, 1, at: .seconds(3))
        got(&t, 2, 2, at: .seconds(3))
        got(&t, 3, 1, at: .seconds(3))
        var clients = Self.clients
        clients[2] = makeClient(3, user: "carol", connected: false)
        let disconnected = check(t, clients: clients)
        #expect(disconnected.passed, "\(disconnected.detail)")
        #expect(disconnected.detail.hasSuffix("client-disconnected=1"))
        t.net(.seconds(4), .crash, Fx.session, label: "crash")
        #expect(check(t).detail.hasSuffix("session-crashed=1"))
    }

    @Test("duplicates, non-members and reordering fail", arguments: ["duplicate", "unexpected", "out-of-order"])
    func failures(_ kind: String) {
        var t = allDelivered()
        switch kind {
        case "duplicate": got(&t, 2, 1, at: .seconds(6))
        case "unexpected": got(&t, 4, 1, at: .seconds(6))
        default:
            t = TraceBuilder()
            lines(&t)
            got(&t, 2, 2, at: .seconds(3))
            got(&t, 2, 1, at: .seconds(4))
            got(&t, 3, 1, at: .seconds(3))
            got(&t, 3, 2, at: .seconds(4))
        }
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.contains("\(kind)=1"), "\(result.detail)")
    }

    @Test("a client's user is learned from its pushes when the snapshot lacks it")
    func userFromPushes() {
        var t = allDelivered()
        t.log(.seconds(7), Fx.cl(9), NodeLog.pushReceived, ["push": 1, "user": "bob", "seq": 1, "gen": 1, "latency-ns": 1])
        got(&t, 9, 1, at: .seconds(8))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.contains("msg 1 to bob received 2 times"))
    }
}
