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
