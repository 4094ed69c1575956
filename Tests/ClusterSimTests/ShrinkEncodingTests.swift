import Foundation
import Testing
import NetModel
@testable import ClusterSim

/// The experiment encoder `simctl shrink` writes its files with.
@Suite("Experiment encoder: parse → encode → parse")
struct ShrinkEncodingTests {
    @Test("every file of Experiments/ round-trips to an equal model", arguments: experimentFiles)
    func roundTrip(file: String) throws {
        let original = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        let text = original.jsonText()
        let again = try Experiment.parse(text)
        #expect(again == original, "\(file) encoded as:\n\(text)")
        #expect(again.jsonText() == text, "encoding is not stable")
    }

    @Test("the format document's example round-trips")
    func formatExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/experiments/format-example.json")
        let original = try Experiment.load(path: url.path)
        #expect(!original.network.links.isEmpty && original.faults.count == 7)
        #expect(try Experiment.parse(original.jsonText()) == original)
    }

    @Test("values the files rarely hold: odd rates, negative offsets, every latency shape, one-way partitions")
    func edgeValues() throws {
        let f1 = NodeName(.frontend, 1), f2 = NodeName(.frontend, 2)
        var e = Experiment(name: "edge \"quoted\"\nline", description: "tab\there", seed: UInt64.max,
                           duration: .milliseconds(1500), settle: .zero, cluster: ClusterShape(frontends: 2, gateway: true, chat: true))
        e.timing = Timing(pingInterval: .microseconds(250), pingTimeout: .seconds(2), tokenLifetime: .seconds(90), pushRetention: .zero)
        e.network = NetworkSpec(defaults: LinkConditions(latency: .bimodal(fast: .microseconds(100), slow: .milliseconds(80), slowFraction: 0.125),
                                                         drop: 0.00001, duplicate: 1),
                                links: [LinkOverride(from: f1, to: .session, conditions: LinkConditions(latency: .uniform(min: .zero, max: .nanoseconds(1500)))),
                                        LinkOverride(from: NodeName(.client, 3), to: f2,
                                                     conditions: LinkConditions(latency: .exponential(mean: .milliseconds(3), min: nil, max: nil), drop: 0.3))])
        e.workload = Workload(clients: 6, rampUp: .milliseconds(1500), requestRate: Rate(perSecond: 1.0 / 60),
                              pushRate: Rate(perSecond: 0.00001), chat: ChatWorkload(rooms: 2, membersPerRoom: 3, messageRate: Rate(perSecond: 7)),
                              duplicateLogins: 0.1, attacks: Attacks(clients: 2, rate: Rate(perSecond: 0.5)))
        e.faults = [Fault(at: .zero, action: .partition(groups: [[f1], [.session, .management]], oneWay: true, heal: nil)),
                    Fault(at: .milliseconds(100), action: .clockOffset(f2, by: .milliseconds(-250))),
                    Fault(at: .milliseconds(200), action: .crash(f2, restartAfter: .milliseconds(300))),
                    Fault(at: .seconds(1), action: .pause(.session, resumeAfter: .microseconds(1)))]
        e.checks = [.liveness, .pushDelivery]
        e.expect = Expectations(pushLatencyP99Below: .milliseconds(200))
        try e.validate()
        let text = e.jsonText()
        #expect(text.contains("\"pushRate\": \"0.00001/s\""), "a rate with an exponent would not parse:\n\(text)")
        #expect(try Experiment.parse(text) == e, "encoded as:\n\(text)")
    }

    @Test("defaults are left out, but seed, settle and checks are always written")
    func compact() throws {
        let e = try Experiment.parse(#"{"name": "tiny", "duration": "5s", "cluster": {"frontends": 1}}"#)
        let text = e.jsonText()
        #expect(!text.contains("timing") && !text.contains("network") && !text.contains("workload") && !text.contains("expect"))
        #expect(text.contains("\"seed\": 1") && text.contains("\"settle\": \"10s\"") && text.contains("\"checks\": [\"registry-converges\""))
    }
}

@Suite("Shrinker candidates")
struct ShrinkCandidateTests {
    static let base = #"{"name": "c", "duration": "20s", "settle": "4s", "cluster": {"frontends": 3, "chat": true, "gateway": true}, "workload": {"clients": 40, "rampUp": "2s", "pushRate": "1/s", "chat": {"rooms": 4, "membersPerRoom": 10}, "attacks": {"clients": 30}}, "faults": [{"at": "5s", "crash": "frontend-3"}, {"at": "8s", "restart": "frontend-3"}, {"at": "12s", "pause": "management-1", "for": "2s"}]}"#

    func shrinker() throws -> Shrinker {
        let e = try Experiment.parse(Self.base)
        let result = RunResult(name: "c", seed: 1, events: 0, traceHash: "", checks: [CheckResult(name: "liveness", passed: false, detail: "")],
                               metrics: [], virtualTime: .zero)
        return Shrinker(check: "liveness", original: result, experiment: e)
    }

    @Test("a restart alone cannot go, the crash with its restart can; every change is described")
    func faultPairs() throws {
        let e = try Experiment.parse(Self.base)
        let all = try shrinker().candidates(of: e)
        let valid = all.filter { (try? $0.1.validate()) != nil }
        #expect(valid.contains { $0.0.hasPrefix("dropped faults[1]:") }, "dropping the restart alone is valid")
        #expect(!valid.contains { $0.0.hasPrefix("dropped faults[0]: crash") }, "dropping the crash leaves a restart of a live node")
        #expect(valid.contains { $0.0 == "dropped faults[0] and faults[1]: crash frontend-3 at 5s; restart frontend-3 at 8s" })
        #expect(all.contains { $0.0 == "checks: kept only liveness" })
    }

    @Test("fewer clients keep the chat rooms and attackers valid; a shorter duration keeps faults inside")
    func keepsValid() throws {
        let e = try Experiment.parse(Self.base)
        let all = try shrinker().candidates(of: e)
        let halved = try #require(all.first { $0.0 == "clients 40 → 20" }?.1)
        try halved.validate()
        #expect(halved.workload.chat.map { $0.rooms * $0.membersPerRoom }! <= 20)
        #expect(halved.workload.attacks?.clients == 20)
        let shorter = all.filter { $0.0.hasPrefix("duration") }
        #expect(shorter.map(\.0) == ["duration 20s → 10s", "duration 20s → 15s"])
        #expect((try? shorter[0].1.validate()) == nil, "the pause at 12s would fall outside 10s")
        try shorter[1].1.validate()
        #expect(all.contains { $0.0 == "settle 4s → 0s" })
    }
}
