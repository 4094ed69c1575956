import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// `acknowledged-effects`, `exactly-once` and `chat-liveness` on a real (simulated) run through
/// the harness: two chat rooms on two frontends, frontend-1 crashed at 5 s and back at 7 s, load
/// until 25 s — so chat-liveness judges the 18 s after the fault.
@Suite("acknowledged-effects, exactly-once and chat-liveness on a simulated run")
struct ChecksJudgedRunTests {
    /// What the tests read from the one run they share.
    struct Judged: Sendable {
        var checks: [CheckResult]
        var chatMembers: [ChatMemberRow]?
        var failures: String

        func check(_ name: CheckName) -> CheckResult? { checks.first { $0.name == name.rawValue } }
    }

    static let judged: Judged = {
        let json = experiment(frontends: 2, clients: 12, duration: "25s", settle: "5s", extra: #", "chat": true"#,
                              faults: #"[{"at": "5s", "crash": "frontend-1", "restartAfter": "2s"}]"#,
                              workload: #""requestRate": "1/s", "pushRate": "1/s", "chat": {"rooms": 2, "membersPerRoom": 5, "messageRate": "1/s"}"#)
        let (run, result) = RunResult.simulate(try! Experiment.parse(json))
        return Judged(checks: result.checks, chatMembers: run.record().snapshot.chatMembers, failures: result.failures)
    }()

    @Test("acknowledged-effects runs by default and passes")
    func acknowledgedEffects() throws {
        let result = try #require(Self.judged.check(.acknowledgedEffects))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("acknowledged pushes "))
    }

    @Test("exactly-once runs by default and passes")
    func exactlyOnce() throws {
        let result = try #require(Self.judged.check(.exactlyOnce))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("executions "))
    }

    @Test("chat-liveness judges the rooms after the fault and passes")
    func chatLiveness() throws {
        let result = try #require(Self.judged.check(.chatLiveness))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasPrefix("last fault ends 7.000s, load ends 25.000s; rooms with lines 2, judged 2"),
                "\(result.detail)")
    }

    @Test("planted fault: chat-1 crashed for good at 5 s; chat-liveness finds every room silent")
    func chatNodeGone() throws {
        let json = experiment(frontends: 2, clients: 12, duration: "25s", settle: "5s", extra: #", "chat": true"#,
                              faults: #"[{"at": "5s", "crash": "chat-1"}]"#,
                              workload: #""requestRate": "1/s", "pushRate": "1/s", "chat": {"rooms": 2, "membersPerRoom": 5, "messageRate": "1/s"}"#)
        try withCluster(json) { run, result in
            let check = try #require(result.check(CheckName.chatLiveness.rawValue))
            #expect(!check.passed)
            #expect(check.detail.contains("judged 2, quiet 0, lines after the fault 0; failures: silent-room=2: room 1 ("), "\(check.detail)")
            #expect(run.record().snapshot.chatMembers == nil)
        }
    }

    @Test("the snapshot carries the chat node's rooms")
    func snapshotRooms() throws {
        let members = try #require(Self.judged.chatMembers)
        #expect(Set(members.map(\.room)).count == 2)
        #expect(members.count == 10, "\(members)")
    }

    @Test("the whole run passes")
    func wholeRun() {
        #expect(Self.judged.failures.isEmpty, "\(Self.judged.failures)")
    }
}
