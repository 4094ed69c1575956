import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("exactly-once checker")
struct ChecksExactlyOnceTests {
    func check(_ t: TraceBuilder) -> CheckResult {
        ExactlyOnceChecker().check(makeRun(t.events))
    }

    func executed(_ t: inout TraceBuilder, _ at: Duration, _ node: NodeName, origin: String = "client-3", req: Int = 7,
                  service: String = "State") {
        t.log(at, node, NodeLog.requestExecuted, ["origin": origin, "req": req, "service": service])
    }

    @Test("each request executed once, a repeat absorbed, passes")
    func passes() {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.fe(1))
        t.log(.seconds(2), Fx.fe(1), NodeLog.requestRepeat, ["origin": "client-3", "req": 7, "service": "State"])
        executed(&t, .seconds(3), Fx.fe(1), req: 8)
        executed(&t, .seconds(3), Fx.session, origin: "client-4", req: 7, service: "MessageUser")
        executed(&t, .seconds(4), Fx.chat, origin: "chat-door-1", req: 7, service: "ChatCommand")
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "executions 4 of 4 requests, repeats absorbed 1; exceptions: none")
    }

    @Test("planted bug: a retried request executed again at the same node or at another one",
          arguments: [2, 1])
    func executedTwice(second: Int) {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.fe(1))
        executed(&t, .seconds(3), Fx.fe(second))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail == "executions 2 of 1 requests, repeats absorbed 0; exceptions: none; failures: "
                + "executed-twice=1: client-3 req 7 (State) at frontend-1 1.000s and frontend-\(second) 3.000s")
    }

    @Test("the earlier executor crashed in between: executor-restarted")
    func executorRestarted() {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.session, service: "MessageUser")
        t.net(.seconds(2), .crash, Fx.session, label: "crash")
        t.net(.seconds(3), .restart, Fx.session, label: "restart")
        executed(&t, .seconds(4), Fx.session, service: "MessageUser")
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "executions 2 of 1 requests, repeats absorbed 0; exceptions: executor-restarted=1")
    }

    @Test("a crash that is not the earlier executor's, or that came before it, excuses nothing",
          arguments: ["other-node", "before"])
    func crashNotExcusing(_ which: String) {
        var t = TraceBuilder()
        if which == "before" { t.net(.milliseconds(500), .crash, Fx.fe(1), label: "crash") }
        executed(&t, .seconds(1), Fx.fe(1))
        if which == "other-node" { t.net(.seconds(2), .crash, Fx.fe(2), label: "crash") }
        executed(&t, .seconds(3), Fx.fe(2))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.contains("executed-twice=1"), "\(result.detail)")
    }

    @Test("three executions: each judged against the one before it")
    func threeExecutions() {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.fe(1))
        t.net(.seconds(2), .crash, Fx.fe(1), label: "crash")
        executed(&t, .seconds(3), Fx.fe(2))
        executed(&t, .seconds(4), Fx.fe(2))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail == "executions 3 of 1 requests, repeats absorbed 0; exceptions: executor-restarted=1; "
                + "failures: executed-twice=1: client-3 req 7 (State) at frontend-2 3.000s and frontend-2 4.000s")
    }

    @Test("requests out of order, and a step too large to pack, keep every earlier execution as it was")
    func packedAndFull() {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.fe(1), req: 9)
        executed(&t, .seconds(2), Fx.fe(2), req: 7)
        t.log(.seconds(3), Fx.session, NodeLog.requestExecuted, ["origin": "client-3", "req": 8, "step": 70_000, "service": "Inventory"])
        executed(&t, .seconds(4), Fx.fe(1), req: 7)
        executed(&t, .seconds(5), Fx.fe(2), req: 9)
        let result = check(t)
        #expect(result.detail == "executions 5 of 3 requests, repeats absorbed 0; exceptions: none; failures: executed-twice=2: "
                + "client-3 req 7 (State) at frontend-2 2.000s and frontend-1 4.000s, "
                + "client-3 req 9 (State) at frontend-1 1.000s and frontend-2 5.000s")
        #expect(result.counterexample?.marks.map(\.seq) == [2, 4])
    }

    @Test("streamed in batches, the verdict is the record's")
    func streamed() {
        var t = TraceBuilder()
        executed(&t, .seconds(1), Fx.fe(1))
        t.net(.seconds(2), .crash, Fx.fe(1), label: "crash")
        executed(&t, .seconds(3), Fx.fe(2))
        executed(&t, .seconds(4), Fx.fe(2))
        t.log(.seconds(5), Fx.fe(2), NodeLog.requestRepeat, ["origin": "client-3", "req": 7, "service": "State"])
        expectStreamedEqualsRecord(makeRun(t.events), .exactlyOnce)
    }
}
