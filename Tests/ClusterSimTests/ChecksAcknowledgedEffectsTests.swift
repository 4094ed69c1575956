import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("acknowledged-effects checker")
struct ChecksAcknowledgedEffectsTests {
    func check(_ t: TraceBuilder) -> CheckResult {
        AcknowledgedEffectsChecker().check(makeRun(t.events))
    }

    func held(_ t: inout TraceBuilder, _ at: Duration, push: Int, node: NodeName = Fx.session) {
        t.log(at, node, NodeLog.pushHeld, ["push": push, "origin": "client-3", "req": 7, "users": 1])
    }

    func said(_ t: inout TraceBuilder, _ at: Duration, msg: Int, node: NodeName = Fx.chat) {
        t.log(at, node, NodeLog.chatLine, ["msg": msg, "room": 1, "sender": "carol", "members": "bob"])
    }

    func pushReply(_ t: inout TraceBuilder, _ at: Duration, push: Int, result: String = "ok") {
        t.log(at, Fx.cl(3), NodeLog.clientReply, ["service": "MessageUser", "result": result, "reason": "-", "req": 7, "push": push])
    }

    func lineReply(_ t: inout TraceBuilder, _ at: Duration, msg: Int) {
        t.log(at, Fx.cl(3), NodeLog.clientReply, ["service": "ChatCommand", "result": "ok", "reason": "-", "req": 8, "msg": msg])
    }

    @Test("a reply after its push was held and a reply after its line was said pass")
    func passes() {
        var t = TraceBuilder()
        held(&t, .seconds(1), push: 5)
        pushReply(&t, .seconds(2), push: 5)
        said(&t, .seconds(3), msg: 9)
        lineReply(&t, .seconds(4), msg: 9)
        t.log(.seconds(5), Fx.cl(3), NodeLog.clientReply, ["service": "State", "result": "ok", "reason": "-", "req": 9])
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "acknowledged pushes 1, acknowledged lines 1")
    }

    @Test("an effect logged at the reply's very instant, after it in the trace, counts")
    func sameInstant() {
        var t = TraceBuilder()
        pushReply(&t, .seconds(2), push: 5)
        held(&t, .seconds(2), push: 5)
        lineReply(&t, .seconds(3), msg: 9)
        said(&t, .seconds(3), msg: 9)
        #expect(check(t).passed, "\(check(t).detail)")
    }

    @Test("planted bug: the session node acknowledges a push before holding it (or never)")
    func unheldPush() {
        var t = TraceBuilder()
        pushReply(&t, .seconds(2), push: 5)
        held(&t, .milliseconds(2_001), push: 5)
        pushReply(&t, .seconds(3), push: 6)
        held(&t, .seconds(1), push: 6, node: Fx.fe(1))   // held by a frontend: not the session node
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail == "acknowledged pushes 2, acknowledged lines 0; failures: unheld-push=2: "
                + "client-3 req 7 push 5 acknowledged at 2.000s, client-3 req 7 push 6 acknowledged at 3.000s")
    }

    @Test("planted bug: a chat say is acknowledged before the chat node says the line (or never)")
    func unsaidLine() {
        var t = TraceBuilder()
        lineReply(&t, .seconds(2), msg: 9)
        said(&t, .seconds(4), msg: 9)
        lineReply(&t, .seconds(5), msg: 10)
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.hasSuffix("failures: unsaid-line=2: client-3 req 8 msg 9 acknowledged at 2.000s, "
                                        + "client-3 req 8 msg 10 acknowledged at 5.000s"), "\(result.detail)")
    }

    @Test("error replies are not judged")
    func errorsNotJudged() {
        var t = TraceBuilder()
        pushReply(&t, .seconds(2), push: 5, result: "error")
        let result = check(t)
        #expect(result.passed && result.detail == "acknowledged pushes 0, acknowledged lines 0", "\(result.detail)")
    }

    @Test("streamed in batches, the verdict is the record's")
    func streamed() {
        var t = TraceBuilder()
        pushReply(&t, .seconds(2), push: 5)
        held(&t, .seconds(2), push: 5)
        lineReply(&t, .seconds(3), msg: 9)
        said(&t, .seconds(4), msg: 9)
        expectStreamedEqualsRecord(makeRun(t.events), .acknowledgedEffects)
    }
}

/// Expects the check `name` streamed through ``TraceScans`` in batches of every size from 1 to 4
/// to decide what it decides on the whole record.
func expectStreamedEqualsRecord(_ record: RunRecord, _ name: CheckName, sourceLocation: SourceLocation = #_sourceLocation) {
    let batch = Checkers.make(name).check(record)
    for size in 1...4 {
        var scans = TraceScans(checks: [name], metrics: false)
        for start in stride(from: 0, to: record.events.count, by: size) {
            scans.observe(Array(record.events[start..<min(start + size, record.events.count)]))
        }
        #expect(scans.scan(at: 0)?.finish(run: record) == batch, "batches of \(size)", sourceLocation: sourceLocation)
    }
}
