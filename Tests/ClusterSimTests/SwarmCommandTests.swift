import Foundation
import Testing
@testable import ClusterSim

@Suite("simctl swarm (the built binary)")
struct SwarmCommandTests {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-swarm-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test("--print-experiment prints the generator's experiment, the same bytes every time, a valid file")
    func printExperiment() throws {
        let a = try simctl(["swarm", "--print-experiment", "42"])
        let b = try simctl(["swarm", "--print-experiment", "42"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout == SwarmGenerator().experiment(seed: 42).jsonText())
        #expect(try Experiment.parse(a.stdout) == SwarmGenerator().experiment(seed: 42))
        let small = try simctl(["swarm", "--print-experiment", "42", "--small", "--faults", "pause"])
        #expect(small.stdout == SwarmGenerator(kinds: [.pause], scale: .small).experiment(seed: 42).jsonText())
    }

    @Test("a small swarm runs end to end: one line per seed, failing files that reproduce, the table and the summary")
    func smallSwarm() throws {
        let out = try temporaryDirectory() + "/failures"
        let run = try simctl(["swarm", "--seeds", "1-3", "--jobs", "2", "--small", "--out", out])
        #expect(run.status == 0 || run.status == 1, "\(run.stdout)\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("[") && $0.contains("] seed ") }.count == 3, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("faults drawn, by kind and role") })
        #expect(lines.contains { $0.hasPrefix("features drawn (experiments with it, of 3)") })
        let last = try #require(lines.last)
        let summary = #"^swarm: seeds=1-3 passed=(\d) failed=(\d) jobs=2 faults=crash,partition,pause,clock wall=[0-9.]+s$"#
        #expect(last.range(of: summary, options: .regularExpression) != nil, "\(last)")
        let failed = Int(last.split(separator: " ").first { $0.hasPrefix("failed=") }!.dropFirst(7))!
        #expect(run.status == (failed == 0 ? 0 : 1))
        let reproduce = lines.filter { $0.hasPrefix("    reproduce: ") }
        #expect(reproduce.count == failed)
        for line in reproduce {
            let file = String(line.split(separator: " ").last!)
            let seed = UInt64(file.split(separator: "-").last!.dropLast(5))!
            #expect(file == "\(out)/seed-\(seed).json")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text == SwarmGenerator(scale: .small).experiment(seed: seed).jsonText())
            // The file reproduces the failure with 'simctl run'.
            let again = try simctl(["run", file, "--json"])
            #expect(again.status == 1)
            let failing = SeedOutcome.fromRun(seed: seed, again)
            #expect(!failing.passed)
            if case .failed(let checks) = failing.verdict {
                #expect(lines.contains("  seed \(seed): " + checks.map(\.name).joined(separator: ", ")))
            }
        }
    }

    @Test("--faults none runs experiments without faults; the table counts none")
    func noFaults() throws {
        let run = try simctl(["swarm", "--seeds", "5", "--small", "--faults", "none", "--out", try temporaryDirectory()])
        #expect(run.stdout.contains("faults=none"), "\(run.stdout)")
        #expect(run.stdout.contains("  no faults                     1"))
        #expect(run.stdout.contains("  pause                         0          0          0          0          0          0"))
    }

    @Test("bad arguments exit 2 and run nothing")
    func badArguments() throws {
        let help = try simctl(["swarm", "--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("USAGE: simctl swarm") && help.stdout.contains("Exit status:"))
        #expect(try simctl(["--help"]).stdout.contains("  swarm "))
        for args in [["swarm"], ["swarm", "--seeds", "9-1"], ["swarm", "--seeds", "1", "--faults", "meteor"],
                     ["swarm", "--seeds", "1", "--jobs", "0"], ["swarm", "some.json", "--seeds", "1"],
                     ["swarm", "--print-experiment", "x"], ["swarm", "--seeds", "1", "--frobnicate"]] {
            let out = try simctl(args)
            #expect(out.status == 2, "\(args): \(out.stdout)\(out.stderr)")
            #expect(out.stderr.contains("simctl swarm --help") || out.stderr.contains("swarm:"), "\(args): \(out.stderr)")
        }
    }
}
