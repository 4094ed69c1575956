import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("counterexamples: what the checks expose and what the report follows")
struct ReportCounterexampleTests {
    /// Push 1 to bob: accepted at the session, sent to frontend-1, which pushes it to client-2;
    /// the network duplicates that last hop, so client-2 receives it twice.
    func duplicatedPush() -> RunRecord {
        var t = TraceBuilder()
        t.net(.milliseconds(1_000), .deliver, Fx.session, peer: Fx.cl(1), id: 5, label: "MessageUser")
        t.log(.milliseconds(1_000), Fx.session, NodeLog.pushAccepted, ["push": 1, "user": "bob", "seq": 1, "gen": 1])
        t.net(.milliseconds(1_000), .send, Fx.session, peer: Fx.fe(1), id: 6, label: "Deliver")
        t.net(.milliseconds(1_002), .deliver, Fx.fe(1), peer: Fx.session, id: 6, label: "Deliver")
        t.net(.milliseconds(1_002), .send, Fx.fe(1), peer: Fx.cl(2), id: 7, label: "Push")
        t.net(.milliseconds(1_002), .duplicate, Fx.fe(1), peer: Fx.cl(2), id: 7, label: "Push")
        t.net(.milliseconds(1_004), .deliver, Fx.cl(2), peer: Fx.fe(1), id: 7, label: "Push")
        t.log(.milliseconds(1_004), Fx.cl(2), NodeLog.pushReceived, ["push": 1, "user": "bob", "seq": 1, "gen": 1, "latency-ns": 4_000_000])
        t.net(.milliseconds(1_009), .deliver, Fx.cl(2), peer: Fx.fe(1), id: 7, label: "Push")
        t.log(.milliseconds(1_009), Fx.cl(2), NodeLog.pushReceived, ["push": 1, "user": "bob", "seq": 2, "gen": 1, "latency-ns": 9_000_000])
        return makeRun(t.events, snapshot: ClusterSnapshot(clients: [makeClient(2, user: "bob")]))
    }

    @Test("push-delivery exposes a duplicate as the acceptance and both receipts, by trace position and time")
    func duplicateMarks() throws {
        let run = duplicatedPush()
        let result = PushDeliveryChecker().check(run)
        #expect(!result.passed)
        let example = try #require(result.counterexample)
        #expect(example.kind == .duplicate)
        #expect(example.subject == .push(id: 1, user: "bob"))
        #expect(example.marks.map(\.seq) == [2, 8, 10])
        #expect(example.marks.map(\.role) == ["accepted", "first receipt", "receipt 2"])
        #expect(example.marks.map(\.at) == [1_000, 1_004, 1_009].map { VirtualInstant(nanoseconds: $0 * 1_000_000) })
        #expect(example.at == VirtualInstant(nanoseconds: 1_009_000_000))
    }

    @Test("the report follows a duplicate to the hop that duplicated it and draws it with times")
    func duplicateHop() throws {
        let run = duplicatedPush()
        let example = try #require(PushDeliveryChecker().check(run).counterexample)
        let trace = CounterexampleTrace(check: "push-delivery", counterexample: example, tracer: FlowTracer(run.events))
        #expect(trace.duplicatedAt == 4, "the Push send of frontend-1 (index 4) was delivered twice")
        #expect(trace.diagram.participants == [Fx.cl(2), Fx.fe(1), Fx.session])
        let mermaid = RunReport.counterexampleMermaid(trace.diagram)
        #expect(mermaid.contains("F1->>C2: Push 1.002s → 1.004s"))
        #expect(mermaid.contains("delivered twice: this hop duplicated it"))
        #expect(mermaid.contains("Note over C2: 1.009s ▶ receipt 2: push-received"))
        #expect(trace.span.lowerBound == VirtualInstant(nanoseconds: 1_000_000_000))
    }

    @Test("a lost push is followed to the last hop where it was seen")
    func lostPushLastHop() throws {
        var t = TraceBuilder()
        t.log(.milliseconds(1_000), Fx.session, NodeLog.pushAccepted, ["push": 1, "user": "bob", "seq": 1, "gen": 1])
        t.log(.milliseconds(1_000), Fx.session, NodeLog.pushHeld, ["push": 1, "origin": "client-1", "req": 3, "users": 1])
        t.net(.milliseconds(1_000), .send, Fx.session, peer: Fx.fe(1), id: 6, label: "Deliver")
        t.net(.milliseconds(1_001), .drop, Fx.session, peer: Fx.fe(1), id: 6, label: "Deliver", detail: "partition")
        let run = makeRun(t.events, snapshot: ClusterSnapshot(clients: [makeClient(2, user: "bob")]))
        let result = PushDeliveryChecker().check(run)
        let example = try #require(result.counterexample)
        #expect(example.kind == .lost)
        #expect(example.marks.map(\.seq) == [1])
        let trace = CounterexampleTrace(check: "push-delivery", counterexample: example, tracer: FlowTracer(run.events))
        #expect(trace.lastSeen == 1, "push-held at the session is the last event naming the push")
    }

    @Test("a passing check has no counterexample; the verdict counts failures and says when the first shows")
    func verdict() throws {
        let run = duplicatedPush()
        let failing = PushDeliveryChecker().check(run)
        let passing = CheckResult(name: "liveness", passed: true, detail: "ok")
        #expect(passing.counterexample == nil)
        let report = RunReport(experiment: run.experiment, seed: 1, traceHash: "0", events: run.events,
                               checks: [passing, failing], metrics: [], end: run.end)
        #expect(report.verdict == "1 of 2 checks failed, first at t=1.009s")
        let html = report.html()
        #expect(html.contains("href=\"#counterexample-push-delivery\""))
        #expect(html.contains("id=\"counterexample-push-delivery\""))
        #expect(parseXML(html).wellFormed)
        #expect(report.markdown().contains("F1->>C2: Push 1.002s → 1.004s"))
    }

    @Test("the slowest failover is crash → detection → the last affected client's reconnect")
    func slowestFailover() throws {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 1])
        t.log(.seconds(1), Fx.cl(2), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 2])
        t.net(.seconds(2), .crash, Fx.fe(1))
        t.log(.milliseconds(4_250), Fx.mgmt, NodeLog.nodeRemoved, ["name": "frontend-1", "epoch": 1, "reason": "ping-timeout"])
        t.log(.seconds(5), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 3])
        t.log(.seconds(6), Fx.cl(2), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 4])
        let run = makeRun(t.events, snapshot: ClusterSnapshot(clients: [makeClient(1, user: "a"), makeClient(2, user: "b")]))
        let example = try #require(run.slowestFailover())
        #expect(example.kind == .slow)
        #expect(example.marks.map(\.seq) == [3, 4, 6])
        #expect(example.marks.map(\.role) == ["crash", "detected: removed from the registry", "last affected client reconnected"])
        let results = Checkers.expectations(Expectations(failoverWithin: .seconds(1)), metrics: RunMetrics(run), record: run)
        #expect(results.first?.counterexample == example)
    }

    @Test("request latency runs from the client's send of the answered attempt to its reply; a timeout has none")
    func requestLatency() {
        var t = TraceBuilder()
        t.net(.milliseconds(100), .send, Fx.cl(1), peer: Fx.fe(1), id: 3, label: "State")
        t.net(.milliseconds(103), .deliver, Fx.fe(1), peer: Fx.cl(1), id: 3, label: "State")
        t.net(.milliseconds(103), .send, Fx.fe(1), peer: Fx.cl(1), id: 4, label: "Reply")
        t.net(.milliseconds(107), .deliver, Fx.cl(1), peer: Fx.fe(1), id: 4, label: "Reply")
        t.log(.milliseconds(107), Fx.cl(1), NodeLog.clientReply, ["service": "State", "result": "ok", "reason": "-", "req": 9])
        t.log(.milliseconds(900), Fx.cl(2), NodeLog.clientReply, ["service": "State", "result": "error", "reason": "no-answer", "req": 5])
        let events = makeRun(t.events).events
        let r = RequestOutcomes(events, tracer: FlowTracer(events))
        #expect(r.all.map(\.outcome) == [.ok, .timedOut])
        #expect(r.latencies.map(\.nanoseconds) == [7_000_000])
        #expect(r.latencies.map(\.at) == [VirtualInstant(nanoseconds: 107_000_000)])
    }

    @Test("partition summaries name their nodes (names contain '-')")
    func partitionNames() {
        #expect(RunTimeline.names(in: "[frontend-1] | [session-1 management-1]") == [Fx.fe(1), Fx.session, Fx.mgmt])
        #expect(RunTimeline.names(in: "[frontend-1 frontend-2] -> [session-1]") == [Fx.fe(1), Fx.fe(2), Fx.session])
    }
}
