import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("push-delivery checker")
struct ChecksPushDeliveryTests {
    static let clients = [makeClient(1, user: "alice"), makeClient(2, user: "bob")]

    /// Pushes 1…3 to bob, accepted at 1s, 2s, 3s with seq 1…3 of gen 1.
    func accepted(_ t: inout TraceBuilder, _ pushes: ClosedRange<Int> = 1...3) {
        for p in pushes {
            t.log(.seconds(p), Fx.session, NodeLog.pushAccepted, ["push": p, "user": "bob", "seq": p, "gen": 1])
        }
    }

    func received(_ t: inout TraceBuilder, _ push: Int, at: Duration, seq: Int? = nil, client: Int = 2, gen: Int = 1) {
        t.log(at, Fx.cl(client), NodeLog.pushReceived,
              ["push": push, "user": "bob", "seq": seq ?? push, "gen": gen, "latency-ns": 5_000_000])
    }

    func check(_ t: TraceBuilder, clients: [ClientRow] = clients) -> CheckResult {
        PushDeliveryChecker().check(makeRun(t.events.sorted { $0.at < $1.at }, snapshot: ClusterSnapshot(clients: clients)))
    }

    @Test("every push received once, in order, passes")
    func allDelivered() {
        var t = TraceBuilder()
        accepted(&t)
        for p in 1...3 { received(&t, p, at: .seconds(p) + .milliseconds(5)) }
        let result = check(t)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "accepted 3, delivered 3; exceptions: none")
    }

    @Test("a push received twice fails")
    func duplicate() {
        var t = TraceBuilder()
        accepted(&t)
        for p in 1...3 { received(&t, p, at: .seconds(p) + .milliseconds(5)) }
        received(&t, 2, at: .seconds(4), seq: 4)
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.contains("duplicate=1"))
        #expect(result.detail.contains("push 2 to bob received 2 times (client-2 client-2)"))
    }

    @Test("a push lost without a reason fails")
    func lost() {
        var t = TraceBuilder()
        accepted(&t)
        received(&t, 1, at: .milliseconds(1_005))
        received(&t, 3, at: .milliseconds(3_005))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail == "accepted 3, delivered 2; exceptions: none; failures: lost=1: push 2 to bob lost (accepted 2.000s)")
    }

    @Test("lost pushes with an allowed reason pass and are counted", arguments: ["retention", "session-crash", "disconnected"])
    func allowedLoss(_ reason: String) {
        var t = TraceBuilder()
        accepted(&t)
        received(&t, 1, at: .milliseconds(1_005))
        var clients = Self.clients
        let counted: String
        switch reason {
        case "retention":
            t.log(.seconds(40), Fx.session, NodeLog.pushExpired, ["push": 2, "user": "bob", "seq": 2])
            t.log(.seconds(40), Fx.session, NodeLog.pushExpired, ["push": 3, "user": "bob", "seq": 3])
            counted = "retention-expired=2"
        case "session-crash":
            t.net(.milliseconds(3_500), .crash, Fx.session, label: "crash")
            counted = "session-crashed=2"
        default:
            clients[1] = makeClient(2, user: "bob", connected: false)
            counted = "client-disconnected=2"
        }
        let result = check(t, clients: clients)
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "accepted 3, delivered 1; exceptions: " + counted)
    }

    /// chat-1 exits at `exit` (an exit as the simulated runner records it, unless `marker` is
    /// false: then a bare crash) and pushes 1…2 to bob are accepted at `accepted` and 1 s later,
    /// never received; the run ends at 70 s.
    func acceptedAfterExit(exit: Duration, accepted: Duration, marker: Bool = true) -> TraceBuilder {
        var t = TraceBuilder()
        if marker {
            ChecksRecoveryTests.exit(&t, Fx.chat, at: exit)
        } else {
            t.net(exit, .crash, Fx.chat, label: "crash")
        }
        for (p, at) in [(1, accepted), (2, accepted + .seconds(1))] {
            t.log(at, Fx.session, NodeLog.pushAccepted, ["push": p, "user": "bob", "seq": p, "gen": 1])
        }
        return t
    }

    @Test("pushes accepted after an exit less than the recovery bound before the end are in recovery")
    func inRecovery() {
        let result = check(acceptedAfterExit(exit: .seconds(65), accepted: .seconds(66)))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "accepted 2, delivered 0; exceptions: in-recovery=2")
    }

    /// Each still fails: the exception is only for pushes accepted at or after an exit (not a
    /// bare crash) less than the bound before the end.
    @Test("pushes lost outside an exit's recovery still fail",
          arguments: ["accepted before the exit", "exit too early", "crash, not an exit"])
    func notInRecovery(_ variant: String) {
        let t = switch variant {
        case "accepted before the exit": acceptedAfterExit(exit: .seconds(65), accepted: .seconds(64.5))
        case "exit too early": acceptedAfterExit(exit: .seconds(59), accepted: .seconds(61))
        default: acceptedAfterExit(exit: .seconds(65), accepted: .seconds(66), marker: false)
        }
        let result = check(t)
        #expect(!result.passed, "\(result.detail)")
        #expect(result.detail.contains(variant == "accepted before the exit" ? "lost=1" : "lost=2"), "\(result.detail)")
    }

    @Test("a session crash before the push was accepted excuses nothing")
    func crashBeforeAcceptance() {
        var t = TraceBuilder()
        t.net(.milliseconds(500), .crash, Fx.session, label: "crash")
        accepted(&t, 1...1)
        #expect(!check(t).passed)
    }

    @Test("a lower seq after a higher one in the same gen fails; a new gen restarts numbering")
    func order() {
        var t = TraceBuilder()
        accepted(&t)
        received(&t, 2, at: .seconds(3) + .milliseconds(1))
        received(&t, 1, at: .seconds(3) + .milliseconds(2))
        received(&t, 3, at: .seconds(4), seq: 1, gen: 2)
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.hasSuffix("failures: out-of-order=1: client-2 gen 1: seq 1 after 2 (push 1 at 3.002s)"))
    }

    @Test("a push received but never accepted fails")
    func unaccepted() {
        var t = TraceBuilder()
        received(&t, 9, at: .seconds(1))
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.contains("push 9 to bob received at 1.000s but never accepted"))
    }

    @Test("unaccepted pushes among accepted ones are each named, in the order they were received")
    func unacceptedAmongOthers() {
        var t = TraceBuilder()
        accepted(&t)
        for p in 1...3 { received(&t, p, at: .seconds(p) + .milliseconds(5)) }
        received(&t, 9, at: .milliseconds(3_500), seq: 4)
        received(&t, 7, at: .milliseconds(3_700), seq: 5)
        let result = check(t)
        #expect(!result.passed)
        #expect(result.detail.hasPrefix("accepted 3, delivered 3;"), "\(result.detail)")
        #expect(result.detail.contains("unaccepted=2"), "\(result.detail)")
        let nine = result.detail.range(of: "push 9 to bob received at 3.500s but never accepted")
        let seven = result.detail.range(of: "push 7 to bob received at 3.700s but never accepted")
        #expect(nine != nil && seven != nil, "\(result.detail)")
        if let nine, let seven { #expect(nine.lowerBound < seven.lowerBound) }
        for p in 1...3 { #expect(!result.detail.contains("push \(p) to bob received at"), "\(result.detail)") }
    }

    @Test("a copy on a retired duplicate-login device is counted, a copy on two live devices is not")
    func duplicateLogin() {
        var t = TraceBuilder()
        accepted(&t, 1...1)
        received(&t, 1, at: .milliseconds(1_005), client: 2)
        received(&t, 1, at: .milliseconds(1_500), client: 3)
        let retired = Self.clients + [makeClient(3, user: "bob", connected: false, retired: true)]
        let ok = check(t, clients: retired)
        #expect(ok.passed, "\(ok.detail)")
        #expect(ok.detail.contains("duplicate-login-redelivery=1"))
        #expect(!check(t, clients: Self.clients + [makeClient(3, user: "bob")]).passed)
    }

    @Test("failures follow acceptance order; a copy of a push received once names the device that received it first")
    func exceptionsInAcceptanceOrder() {
        var t = TraceBuilder()
        accepted(&t)
        received(&t, 1, at: .milliseconds(1_005), client: 2)
        received(&t, 3, at: .milliseconds(3_005), client: 3)
        received(&t, 3, at: .seconds(4), seq: 4, client: 3)
        let clients = Self.clients + [makeClient(3, user: "bob")]
        let result = check(t, clients: clients)
        #expect(result.detail == "accepted 3, delivered 2; exceptions: none; failures: lost=1 duplicate=1: "
                + "push 2 to bob lost (accepted 2.000s), push 3 to bob received 2 times (client-3 client-3)")
        #expect(result.counterexample?.marks.map(\.seq) == [3])
    }
}
