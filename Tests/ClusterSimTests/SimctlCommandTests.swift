import Foundation
import Testing
@testable import ClusterSim

private let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/experiments")

@Suite("simctl: validate, help and usage errors (the built binary)")
struct SimctlCommandTests {
    @Test("validate prints the JSON path and exits 2 for each mistake of the table", arguments: [
        ("duration-with-space.json", "faults[2].at"),
        ("unknown-root-field.json", "sead"),
        ("unknown-node.json", "faults[0].crash"),
        ("partition-node-twice.json", "faults[1].partition"),
        ("negative-probability.json", "network.drop"),
        ("probability-above-one.json", "network.links[0].drop"),
        ("fault-after-duration.json", "faults[3].at"),
    ])
    func validateBadFile(file: String, path: String) throws {
        let simctl = try #require(builtSimctl())
        let url = experiments.appendingPathComponent("bad").appendingPathComponent(file)
        try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(file)")
        let out = try runProcess(simctl, ["validate", url.path])
        #expect(out.status == 2)
        #expect(out.stderr.contains(path + ":"), "stderr was: \(out.stderr)")
    }

    @Test("validate accepts the format document's example and exits 0")
    func validateExample() throws {
        let simctl = try #require(builtSimctl())
        let out = try runProcess(simctl, ["validate", experiments.appendingPathComponent("format-example.json").path])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdout.contains("valid experiment 'frontend-failover'"))
    }

    @Test("every subcommand has --help; usage mistakes exit 2 with a hint", arguments: ["validate", "bench"])
    func help(command: String) throws {
        let simctl = try #require(builtSimctl())
        let help = try runProcess(simctl, [command, "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.hasPrefix("USAGE: simctl \(command)"))
        let bad = try runProcess(simctl, [command, "--no-such-option"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown option '--no-such-option'"))
        #expect(bad.stderr.contains("Try 'simctl \(command) --help'"))
    }

    @Test("simctl without a command, or with an unknown one, exits 2")
    func unknownCommand() throws {
        let simctl = try #require(builtSimctl())
        #expect(try runProcess(simctl, []).status == 2)
        let out = try runProcess(simctl, ["frobnicate"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("unknown command 'frobnicate'"))
        let top = try runProcess(simctl, ["--help"])
        #expect(top.status == 0 && top.stdout.contains("COMMANDS:"))
    }
}

@Suite("simctl run: the command-line contract")
struct SimctlRunTests {
    static let small = #"{"name": "small", "duration": "5s", "settle": "2s", "cluster": {"frontends": 2}, "workload": {"clients": 5, "rampUp": "1s", "requestRate": "1/s", "pushRate": "1/s"}}"#

    func write(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-run-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("experiment.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("the last line is result=… seed=… events=… trace=…; --out writes summary.json and trace.jsonl")
    func textAndOut() throws {
        let simctl = try #require(builtSimctl())
        let file = try write(Self.small)
        let out = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("out").path
        let run = try runProcess(simctl, ["run", file, "--seed", "7", "--out", out, "--trace", "jsonl"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^result=PASS seed=7 events=\d+ trace=[0-9a-f]{16}$"#, options: .regularExpression) != nil, "\(last)")
        #expect(FileManager.default.fileExists(atPath: out + "/summary.json"))
        let lines = try String(contentsOfFile: out + "/trace.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(last.contains("events=\(lines.count) "))
    }

    @Test("--json prints one object with result, seed, events, trace, checks and metrics")
    func json() throws {
        let simctl = try #require(builtSimctl())
        let run = try runProcess(simctl, ["run", try write(Self.small), "--json"])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["result"] as? String == "PASS")
        #expect(object["seed"] as? Int == 1)
        #expect((object["trace"] as? String)?.count == 16)
        #expect((object["events"] as? Int ?? 0) > 0)
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.contains { $0["name"] as? String == "push-delivery" && $0["passed"] as? Bool == true })
        let metrics = try #require(object["metrics"] as? [String: Any])
        #expect(metrics["push_latency_p99_ms"] is Double || metrics["push_latency_p99_ms"] is Int)
    }

    @Test("a bad file exits 2 with the JSON path; an unknown transport exits 2 and says so")
    func badInput() throws {
        let simctl = try #require(builtSimctl())
        let bad = try runProcess(simctl, ["run", try write(#"{"name": "x", "duration": "5 sec", "cluster": {"frontends": 1}}"#)])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("duration: expected a duration"))
        let udp = try runProcess(simctl, ["run", try write(Self.small), "--transport", "udp"])
        #expect(udp.status == 2)
        #expect(udp.stderr.contains("unknown transport 'udp'"))
    }
}
