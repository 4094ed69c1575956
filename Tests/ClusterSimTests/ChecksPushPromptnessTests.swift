import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// `push-promptness`: late receipts are judged only when the client was connected all along and
/// nothing disturbed the way; clock offsets are taken out of the measured latency.
@Suite("push-promptness checker")
struct ChecksPushPromptnessTests {
    /// client-1 connects at 1 s; a push accepted `latency` before `received` reaches it.
    func trace(received: Duration, latency: Duration, connectedAt: Duration = .seconds(1)) -> TraceBuilder {
        var t = TraceBuilder()
        t.log(connectedAt, Fx.cl(1), NodeLog.clientConnected, ["frontend": Fx.fe(1), "conn": 1])
        t.log(received, Fx.cl(1), NodeLog.pushReceived,
              ["push": 7, "user": "alice", "seq": 1, "gen": 1, "latency-ns": latency.nanosecondsClamped])
        return t
    }

    func check(_ t: TraceBuilder, faults: [Fault] = []) -> CheckResult {
        var events = t.events
        events.sort { $0.at < $1.at }
        let experiment = Experiment(name: "prompt", duration: .seconds(60), cluster: ClusterShape(frontends: 2), faults: faults)
        for i in events.indices { events[i].seq = i + 1 }
        return PushPromptnessChecker().check(RunRecord(experiment: experiment, events: events, snapshot: ClusterSnapshot()))
    }

    @Test("a push 3 s late to a client connected all along, nothing disturbed: late-push")
    func latePush() {
        let result = check(trace(received: .seconds(30), latency: .seconds(3)))
        #expect(!result.passed)
        #expect(result.detail.contains("failures: late-push=1: client-1 push 7 accepted 27.000s received 30.000s: 3.000s"), "\(result.detail)")
        #expect(result.counterexample?.kind == .slow)
    }

    @Test("prompt pushes pass; a late one is not judged after a drop within its recovery, a pause, a crash, or a recent connection",
          arguments: ["prompt", "drop in the window", "drop within the recovery before it", "pause over it", "crash",
                      "connected just before", "session clock behind"])
    func notJudged(_ variant: String) {
        var t = trace(received: .seconds(30), latency: variant == "prompt" ? .milliseconds(40) : .seconds(3),
                      connectedAt: variant == "connected just before" ? .seconds(26.5) : .seconds(1))
        var faults: [Fault] = []
        switch variant {
        case "drop in the window": t.net(.seconds(28), .drop, Fx.session, peer: Fx.fe(1), label: "Deliver", detail: "loss")
        case "drop within the recovery before it": t.net(.seconds(19), .drop, Fx.session, peer: Fx.fe(1), label: "Deliver", detail: "loss")
        case "pause over it":
            t.net(.seconds(20), .pause, Fx.session, label: "pause")
            t.net(.seconds(29), .resume, Fx.session, label: "resume")
        case "crash": t.net(.seconds(27.5), .crash, Fx.fe(2), label: "crash")
        case "session clock behind":
            // The session node's clock is 2.97 s behind: the push took 30 ms.
            faults = [Fault(at: .seconds(5), action: .clockOffset(.session, by: .milliseconds(-2_970)))]
        default: break
        }
        let result = check(t, faults: faults)
        #expect(result.passed, "\(result.detail)")
        if variant != "prompt" && variant != "session clock behind" {
            #expect(result.detail.hasSuffix(variant == "connected just before" ? "disturbed=0 recently-connected=1" : "disturbed=1 recently-connected=0"),
                    "\(result.detail)")
        }
    }

    @Test("a drop long before (beyond its recovery) does not excuse a late push")
    func oldDropJudged() {
        var t = trace(received: .seconds(30), latency: .seconds(3))
        t.net(.seconds(10), .drop, Fx.session, peer: Fx.fe(1), label: "Deliver", detail: "loss")
        #expect(!check(t).passed)
    }
}
