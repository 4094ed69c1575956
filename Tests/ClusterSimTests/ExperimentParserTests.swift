import Foundation
import Testing
@testable import ClusterSim
import NetModel

/// The directory of experiment fixtures, next to this file.
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/experiments")

private func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

private func ms(_ n: Int64) -> Duration { .milliseconds(n) }

/// The issues of parsing `text`, or [] when it parses.
private func issues(_ text: String) -> [ExperimentError.Issue] {
    do {
        _ = try Experiment.parse(text)
        return []
    } catch {
        return error.issues
    }
}

/// A minimal valid file with `extra` spliced into the root object.
private func minimal(_ extra: String = "") -> String {
    #"{"name": "t", "duration": "60s", "cluster": {"frontends": 4}"# + (extra.isEmpty ? "" : ", " + extra) + "}"
}

@Suite("Experiment files: the format document's example")
struct ExperimentFormatExampleTests {
    @Test("the example of docs/experiment-format.md parses, every field in place")
    func formatExample() throws {
        let e = try Experiment.load(path: fixture("format-example.json"))
        #expect(e.name == "frontend-failover")
        #expect(e.description == "Free text shown at the top of the report: what this experiment teaches.")
        #expect(e.seed == 42)
        #expect(e.duration == .seconds(60))
        #expect(e.settle == .seconds(10))
        #expect(e.cluster == ClusterShape(frontends: 4, gateway: true, chat: true))
        #expect(e.timing == Timing(pingInterval: .seconds(1), pingTimeout: .seconds(3),
                                   tokenLifetime: .seconds(600), pushRetention: .seconds(30)))
        #expect(e.network.defaults == LinkConditions(
            latency: .exponential(mean: ms(2), min: .microseconds(200), max: ms(50)), drop: 0, duplicate: 0))
        #expect(e.network.links == [LinkOverride(
            from: NodeName(.frontend, 1), to: .session,
            conditions: LinkConditions(latency: .constant(ms(20)), drop: 0.05, duplicate: 0))])
        #expect(e.workload == Workload(
            clients: 200, rampUp: .seconds(5), requestRate: Rate(perSecond: 1), pushRate: Rate(perSecond: 2),
            chat: ChatWorkload(rooms: 10, membersPerRoom: 8, messageRate: Rate(perSecond: 0.5)), duplicateLogins: 0.01))
        let f2 = NodeName(.frontend, 2)
        #expect(e.faults == [
            Fault(at: .seconds(10), action: .crash(f2, restartAfter: nil)),
            Fault(at: .seconds(20), action: .restart(f2)),
            Fault(at: .seconds(25), action: .partition(groups: [[NodeName(.frontend, 1)], [.session, .management]],
                                                       oneWay: false, heal: .seconds(5))),
            Fault(at: .seconds(35), action: .partition(groups: [[NodeName(.frontend, 3)], [.management]],
                                                       oneWay: true, heal: .seconds(4))),
            Fault(at: .seconds(40), action: .pause(.management, resumeAfter: .seconds(4))),
            Fault(at: .seconds(45), action: .clockOffset(NodeName(.frontend, 4), by: .seconds(2))),
            Fault(at: .seconds(50), action: .crash(.session, restartAfter: .seconds(3))),
        ])
        // The example lists the eleven checks the format document names (push-promptness came later).
        #expect(e.checks == Array(CheckName.allCases.prefix(11)))
        #expect(e.expect == Expectations(failoverWithin: .seconds(5), pushLatencyP99Below: ms(200)))
        #expect(e.nodeNames.map(\.description) == ["management-1", "session-1", "frontend-1", "frontend-2",
                                                    "frontend-3", "frontend-4", "chat-1", "gateway-1"])
        #expect(e.clientNames.count == 200 && e.clientNames.last == NodeName(.client, 200))
        try e.validate()
    }

    @Test("a minimal file gets every documented default")
    func defaults() throws {
        let e = try Experiment.parse(#"{"name": "m", "duration": "30s", "cluster": {"frontends": 1}}"#)
        #expect(e == Experiment(name: "m", duration: .seconds(30), cluster: ClusterShape(frontends: 1)))
        #expect(e.seed == 1 && e.settle == .seconds(10) && e.description.isEmpty)
        #expect(e.timing == Timing(pingInterval: .seconds(1), pingTimeout: .seconds(3),
                                   tokenLifetime: .seconds(600), pushRetention: .seconds(30)))
        #expect(e.network.defaults == LinkConditions(latency: .standard, drop: 0, duplicate: 0))
        #expect(e.network.links.isEmpty && e.faults.isEmpty)
        #expect(e.workload == Workload(clients: 0, rampUp: .zero, requestRate: .zero, pushRate: .zero,
                                       chat: nil, duplicateLogins: 0))
        #expect(e.checks == CheckName.allCases)
        #expect(e.expect == Expectations())
        #expect(e.nodeNames.map(\.description) == ["management-1", "session-1", "frontend-1"])
        #expect(e.clientNames.isEmpty)
    }

    @Test("a link inherits the network defaults it does not override")
    func linkInheritsDefaults() throws {
        let e = try Experiment.parse(minimal(#"""
            "workload": {"clients": 3},
            "network": {"latency": {"distribution": "uniform", "min": "1ms", "max": "3ms"}, "drop": 0.1, "duplicate": 0.2,
                        "links": [{"from": "client-3", "to": "frontend-4", "duplicate": 0.5}]}
            """#))
        let uniform = LatencyDistribution.uniform(min: ms(1), max: ms(3))
        #expect(e.network.defaults == LinkConditions(latency: uniform, drop: 0.1, duplicate: 0.2))
        #expect(e.network.conditions(from: NodeName(.client, 3), to: NodeName(.frontend, 4))
                == LinkConditions(latency: uniform, drop: 0.1, duplicate: 0.5))
        #expect(e.network.conditions(from: NodeName(.frontend, 4), to: NodeName(.client, 3)) == e.network.defaults)
    }

    @Test("latency distributions, pause, negative clock offset, checks subset and extra expectations")
    func otherForms() throws {
        let e = try Experiment.parse(minimal(#"""
            "network": {"latency": {"distribution": "bimodal", "fast": "1ms", "slow": "80ms", "slowFraction": 0.1},
                        "links": [{"from": "session-1", "to": "frontend-1",
                                   "latency": {"distribution": "exponential", "mean": "3ms"}}]},
            "faults": [{"at": "0s", "clockOffset": "frontend-1", "by": "-1.5s"},
                       {"at": "60s", "partition": [["frontend-1"], ["frontend-2"]]}],
            "checks": ["liveness", "backend-auth"],
            "expect": {"detectionWithin": "4s", "pushLatencyP50Below": "20ms"}
            """#))
        #expect(e.network.defaults.latency == .bimodal(fast: ms(1), slow: ms(80), slowFraction: 0.1))
        #expect(e.network.links[0].conditions.latency == .exponential(mean: ms(3), min: nil, max: nil))
        #expect(e.faults[0].action == .clockOffset(NodeName(.frontend, 1), by: ms(-1500)))
        #expect(e.faults[1] == Fault(at: .seconds(60), action: .partition(
            groups: [[NodeName(.frontend, 1)], [NodeName(.frontend, 2)]], oneWay: false, heal: nil)))
        #expect(e.checks == [.liveness, .backendAuth])
        #expect(e.expect == Expectations(detectionWithin: .seconds(4), pushLatencyP50Below: ms(20)))
    }
}

/// One bad fixture: the issue it must produce.
struct BadFile: Sendable, CustomTestStringConvertible {
    var file: String
    var path: String
    var message: String
    var testDescription: String { file }
}

@Suite("Experiment files: bad files name the path and the problem")
struct ExperimentBadFileTests {
    static let cases: [BadFile] = [
        .init(file: "duration-with-space", path: "faults[2].at", message: #"expected a duration like "250ms", "5s" or "2m", got "5 sec""#),
        .init(file: "unknown-root-field", path: "sead", message: #"unknown field (expected one of: name, description, seed,"#),
        .init(file: "unknown-cluster-field", path: "cluster.bogus", message: "unknown field (expected one of: frontends, gateway, chat)"),
        .init(file: "unknown-link-field", path: "network.links[0].delay", message: "unknown field (expected one of: from, to, latency, drop, duplicate, reorder)"),
        .init(file: "typo-in-timing", path: "timing.pingIntervall", message: #"did you mean "pingInterval"?"#),
        .init(file: "unknown-node", path: "faults[0].crash", message: #"unknown node "frontend-9" (this cluster has frontend-1 … frontend-4)"#),
        .init(file: "partition-node-twice", path: "faults[1].partition", message: #"node "frontend-1" appears in more than one group"#),
        .init(file: "negative-probability", path: "network.drop", message: "expected a probability between 0 and 1, got -0.1"),
        .init(file: "probability-above-one", path: "network.links[0].drop", message: "expected a probability between 0 and 1, got 1.5"),
        .init(file: "fault-after-duration", path: "faults[3].at", message: "fault at 70s is after the end of duration (60s)"),
        .init(file: "missing-name", path: "name", message: "required field is missing"),
        .init(file: "missing-duration", path: "duration", message: "required field is missing"),
        .init(file: "syntax-error", path: "", message: "line 4, column 32: expected a field name in double quotes, got '}'"),
        .init(file: "not-an-object", path: "", message: "expected an object, got a list"),
        .init(file: "one-way-three-groups", path: "faults[0].oneWay", message: "needs exactly 2 groups"),
        .init(file: "unknown-check", path: "checks[1]", message: #"unknown check "push-delivered" (expected one of: registry-converges, session-map-converges, single-session, push-delivery, chat-delivery, backend-auth, client-auth, liveness, acknowledged-effects, exactly-once, chat-liveness, push-promptness)"#),
        .init(file: "restart-running-node", path: "faults[0].restart", message: "frontend-2 is not crashed at 20s"),
        .init(file: "restart-before-auto-restart", path: "faults[1].restart", message: "frontend-1 already restarts at 15s"),
        .init(file: "crash-crashed-node", path: "faults[1].crash", message: "frontend-1 is already crashed at 20s"),
        .init(file: "seed-not-integer", path: "seed", message: #"expected a non-negative integer, got "abc""#),
        .init(file: "missing-frontends", path: "cluster.frontends", message: "required field is missing"),
        .init(file: "zero-frontends", path: "cluster.frontends", message: "expected an integer from 1 to 1000, got 0"),
        .init(file: "chat-node-without-chat", path: "faults[0].crash", message: #"unknown node "chat-1" (this cluster has no chat node"#),
        .init(file: "client-in-fault", path: "faults[0].crash", message: #"expected a server node, got "client-3""#),
        .init(file: "partition-one-group", path: "faults[0].partition", message: "expected a list of at least 2 groups of nodes, got 1"),
        .init(file: "partition-empty-group", path: "faults[0].partition[1]", message: "expected at least one node in each group"),
        .init(file: "two-actions", path: "faults[0]", message: "expected exactly one of crash, restart, partition, pause, clockOffset, got crash and pause"),
        .init(file: "pause-without-for", path: "faults[0].for", message: "required field is missing"),
        .init(file: "option-on-wrong-action", path: "faults[1].restartAfter", message: #""restartAfter" only applies to "crash" faults"#),
        .init(file: "uniform-min-above-max", path: "network.latency.max", message: "expected max ≥ min (5ms), got 1ms"),
        .init(file: "unknown-distribution", path: "network.latency.distribution", message: #"unknown distribution "normal" (expected one of: constant, uniform, exponential, bimodal)"#),
        .init(file: "bimodal-bad-fraction", path: "network.latency.slowFraction", message: "expected a probability between 0 and 1, got 2"),
        .init(file: "chat-rooms-too-big", path: "workload.chat", message: "rooms × membersPerRoom (10 × 8) is more than workload.clients (50)"),
        .init(file: "chat-workload-without-chat-node", path: "workload.chat", message: "chat rooms need the chat node"),
        .init(file: "bad-rate", path: "workload.pushRate", message: #"expected a rate like "2/s", "30/m" or "0.5/s", got "2 per second""#),
        .init(file: "duplicate-logins-above-one", path: "workload.duplicateLogins", message: "expected a probability between 0 and 1, got 1.2"),
        .init(file: "too-many-clients", path: "workload.clients", message: "expected an integer from 0 to 1000000, got 2000000"),
        .init(file: "ramp-up-too-long", path: "workload.rampUp", message: "ramp-up 90s is longer than duration (60s)"),
        .init(file: "link-to-itself", path: "network.links[0].to", message: #"expected a node other than "from""#),
        .init(file: "link-reorder-above-one", path: "network.links[0].reorder", message: "expected a probability between 0 and 1, got 1.5"),
        .init(file: "negative-settle", path: "settle", message: #"expected a non-negative duration, got "-1s""#),
        .init(file: "zero-duration", path: "duration", message: #"expected a duration of more than 0, got "0ms""#),
    ]

    @Test("each bad fixture gives exactly its one issue", arguments: cases)
    func badFile(_ bad: BadFile) throws {
        let error = try #require(throws: ExperimentError.self) {
            try Experiment.load(path: fixture("bad/\(bad.file).json"))
        }
        #expect(error.issues.count == 1, "\(error)")
        let issue = try #require(error.issues.first)
        #expect(issue.path == bad.path, "\(error)")
        #expect(issue.message.contains(bad.message), "\(error)")
    }

    @Test("every file in Fixtures/experiments/bad is in the table")
    func tableCoversFixtures() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture("bad"))
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        #expect(Set(files) == Set(Self.cases.map(\.file)))
    }

    @Test("all issues are reported, in document order, one line each as PATH: MESSAGE")
    func allIssuesInDocumentOrder() throws {
        let text = #"""
        {
          "faults": [{"at": "5 sec", "crash": "frontend-9"}, {"at": "1s", "restart": "session-1"}],
          "network": {"drop": 1.5, "bogus": 1},
          "cluster": {"frontends": 4, "chatt": true},
          "duration": "60s"
        }
        """#
        let error = try #require(throws: ExperimentError.self) { try Experiment.parse(text) }
        // A missing field is reported where its object starts.
        #expect(error.issues.map(\.path) == ["name", "faults[0].at", "faults[0].crash", "faults[1].restart",
                                             "network.drop", "network.bogus", "cluster.chatt"])
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines[0] == "name: required field is missing")
        #expect(lines[1] == #"faults[0].at: expected a duration like "250ms", "5s" or "2m", got "5 sec""#)
        #expect(error.issues(at: "cluster.chatt").first?.message.contains(#"did you mean "chat"?"#) == true)
    }

    @Test("an unreadable file is an issue at the root")
    func unreadable() throws {
        let error = try #require(throws: ExperimentError.self) {
            try Experiment.load(path: fixture("does-not-exist.json"))
        }
        #expect(error.issues.count == 1)
        #expect(error.issues[0].path == "")
        #expect(error.issues[0].message.hasPrefix("cannot read experiment file"))
    }

    @Test("faults are ordered by time, not by position, for crash and restart bookkeeping")
    func timelineIsByTime() {
        #expect(issues(minimal(#""faults": [{"at": "20s", "restart": "frontend-1"}, {"at": "10s", "crash": "frontend-1"}]"#)).isEmpty)
        #expect(issues(minimal(#""faults": [{"at": "10s", "crash": "frontend-1", "restartAfter": "2s"}, {"at": "12s", "crash": "frontend-1"}]"#)).isEmpty)
        #expect(issues(minimal(#""faults": [{"at": "60s", "crash": "management-1"}, {"at": "60s", "restart": "management-1"}]"#)).isEmpty)
    }

    @Test("wrong JSON types name the type found")
    func wrongTypes() {
        #expect(issues(minimal(#""description": 5"#)).map(\.description) == ["description: expected a string, got 5"])
        #expect(issues(#"{"name": "t", "duration": 60, "cluster": {"frontends": "4", "gateway": "yes"}}"#).map(\.description) == [
            #"duration: expected a duration like "250ms", "5s" or "2m", got 60"#,
            #"cluster.frontends: expected an integer from 1 to 1000, got "4""#,
            #"cluster.gateway: expected true or false, got "yes""#,
        ])
        #expect(issues(minimal(#""faults": {"at": "1s"}"#)).map(\.description) == [#"faults: expected a list, got an object"#])
        #expect(issues(minimal(#""seed": 18446744073709551615"#)).isEmpty)
        #expect(issues(minimal(#""seed": -1"#)).map(\.path) == ["seed"])
        #expect(issues(minimal(#""name": "x""#)).map(\.message) == ["field appears more than once"])
    }

    @Test("validate() checks an experiment built in code")
    func validateInCode() {
        var e = Experiment(name: "c", duration: .seconds(10), cluster: ClusterShape(frontends: 2))
        e.faults = [Fault(at: .seconds(11), action: .crash(NodeName(.frontend, 3), restartAfter: nil))]
        e.network.defaults.latency = .uniform(min: ms(2), max: ms(1))
        #expect(throws: ExperimentError.self) { try e.validate() }
        do { try e.validate() } catch {
            #expect(error.issues.map(\.path) == ["network.latency.max", "faults[0].crash", "faults[0].at"])
        }
    }
}

@Suite("Durations and rates")
struct DurationAndRateTests {
    @Test("good durations", arguments: [
        ("1.5s", Duration.milliseconds(1500)), ("100us", .microseconds(100)), ("0ms", .zero), ("250ms", .milliseconds(250)),
        ("2m", .seconds(120)), ("10m", .seconds(600)), ("0.5m", .seconds(30)), ("1.5us", .nanoseconds(1500)),
        ("007s", .seconds(7)), ("1.000s", .seconds(1)), ("0.000000001s", .nanoseconds(1)),
    ])
    func goodDuration(_ text: String, _ expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test("bad durations", arguments: [
        "-1s", "1.5.0s", "s", "", "5", "5 sec", " 5s", "5s ", "5S", "5h", "5ns", "1e3ms", "+5s", ".5s", "5.s", "1,5s",
        "0.0001us", "99999999999999999999999m", "5sec", "５s",
    ])
    func badDuration(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("negative durations only where allowed")
    func negative() {
        #expect(DurationText.parse("-2s", allowNegative: true) == .seconds(-2))
        #expect(DurationText.read("-2s", allowNegative: false) == .negative)
        #expect(DurationText.read("0.0001us", allowNegative: false) == .tooPrecise)
        #expect(DurationText.read("9999999999999m", allowNegative: false) == .tooLarge)
    }

    @Test("formatting reads back", arguments: ["70s", "1.5s", "250ms", "200us", "0s", "1.234567891s", "0.5us", "-2s"])
    func format(_ text: String) throws {
        let d = try #require(DurationText.parse(text, allowNegative: true))
        #expect(DurationText.format(d) == text)
    }

    @Test("good rates", arguments: [("2/s", 2.0), ("30/m", 0.5), ("0.5/s", 0.5), ("0/s", 0), ("1.5/m", 0.025), ("100/s", 100)])
    func goodRate(_ text: String, _ perSecond: Double) {
        #expect(Rate(parsing: text)?.perSecond == perSecond)
    }

    @Test("bad rates", arguments: ["2", "2/h", "-1/s", "/s", "2 /s", "2/ s", "2/S", "1e2/s", "2/s/s", "two/s", ".5/s", ""])
    func badRate(_ text: String) {
        #expect(Rate(parsing: text) == nil)
    }

    @Test("rate helpers")
    func rateHelpers() {
        #expect(Rate(perSecond: 4).meanInterval == .milliseconds(250))
        #expect(Rate.zero.meanInterval == nil)
        #expect(Rate(perSecond: 2).description == "2/s")
        #expect(Rate(perSecond: 0.5).description == "0.5/s")
    }
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test("values, escapes and member order")
    func values() throws {
        let (v, _) = try JSONParser.parse(Array(#"{"b": [1, -2.5e3, true, null], "a": "x\u00e9\ud83d\ude00\n\"", "b": {}}"#.utf8))
        #expect(v == .object([
            .init(key: "b", value: .array([.number("1"), .number("-2.5e3"), .bool(true), .null])),
            .init(key: "a", value: .string("xé😀\n\"")),
            .init(key: "b", value: .object([])),
        ]))
    }

    @Test("syntax errors give line and column", arguments: [
        ("{\n  \"a\": 01\n}", 2, 9), ("{\"a\" 1}", 1, 6), ("[1, 2,]", 1, 7), ("{\"a\": tru}", 1, 7),
        ("\"abc", 1, 5), ("{} x", 1, 4), ("", 1, 1), ("{\"é\": x}", 1, 7), ("// comment\n{}", 1, 1),
    ])
    func syntaxErrors(_ text: String, _ line: Int, _ column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
        do { _ = try JSONParser.parse(Array(text.utf8)) } catch {
            #expect(error.line == line && error.column == column, "\(error)")
        }
    }

    @Test("deep nesting is an error, not a crash")
    func deepNesting() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }
}
