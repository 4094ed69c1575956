import Foundation
import Testing
@testable import ClusterSim

/// The fixture whose runs fail only with the planted stale-logout bug.
let plantedFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/experiments/planted-stale-logout.json").path

/// The planted bug's switch for child processes.
let plantStaleLogout = [PlantedBugs.environmentVariable: "session-ignores-connection"]

/// Runs the built `simctl` with `arguments` and extra environment variables.
func simctl(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess.Output {
    let binary = try #require(builtSimctl())
    return try ChildProcess.run(binary.path, arguments, environment: environment)
}

@Suite("simctl sweep")
struct SweepTests {
    @Test("seed ranges: A-B, a single seed, and mistakes named", arguments: [
        ("1-200", 1 as UInt64, 200 as UInt64), ("7", 7, 7), ("0-0", 0, 0), ("1_000-1_002", 1000, 1002),
    ])
    func seedRange(text: String, lower: UInt64, upper: UInt64) throws {
        let r = try SeedRange(parsing: text)
        #expect(r.lower == lower && r.upper == upper)
        #expect(Array(r) == Array(lower...upper))
    }

    @Test("a malformed or empty seed range is refused with what was wrong", arguments: ["", "1-", "a-b", "5-2", "1-2-3", "-1", "0-2000000"])
    func badSeedRange(text: String) {
        #expect(throws: SeedRangeError.self) { try SeedRange(parsing: text) }
    }

    @Test("a child's output becomes an outcome: passed, failed with its checks, or broken")
    func outcomes() {
        let pass = ChildProcess.Output(status: 0, signalled: false,
                                       stdout: #"{"result":"PASS","seed":3,"trace":"00ff","checks":[{"name":"liveness","passed":true,"detail":"ok"}]}"#, stderr: "")
        #expect(SeedOutcome.fromRun(seed: 3, pass) == SeedOutcome(seed: 3, verdict: .passed, traceHash: "00ff"))
        let failing = ChildProcess.Output(status: 1, signalled: false,
                                          stdout: #"{"result":"FAIL","trace":"01","checks":[{"name":"liveness","passed":true,"detail":""},{"name":"push-delivery","passed":false,"detail":"lost=1"}]}"#, stderr: "")
        #expect(SeedOutcome.fromRun(seed: 4, failing).verdict == .failed([CheckResult(name: "push-delivery", passed: false, detail: "lost=1")]))
        let crashed = ChildProcess.Output(status: 11, signalled: true, stdout: "", stderr: "Fatal error: boom\n")
        guard case .broken(let why) = SeedOutcome.fromRun(seed: 5, crashed).verdict else { Issue.record("not broken"); return }
        #expect(why.contains("signal 11") && why.contains("boom"))
        let garbage = ChildProcess.Output(status: 0, signalled: false, stdout: "hello", stderr: "")
        #expect(SeedOutcome.fromRun(seed: 6, garbage).passed == false)
    }

    @Test("with the planted bug, sweep finds failing seeds, names their checks and the command; exit 1")
    func findsPlantedBug() throws {
        let out = try simctl(["sweep", plantedFixture, "--seeds", "1-4", "--jobs", "2"], environment: plantStaleLogout)
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("failing seeds:"))
        #expect(out.stdout.contains("✗ session-map-converges: unmapped streams"))
        #expect(out.stdout.contains("reproduce: CLUSTERSIM_PLANT=session-ignores-connection "))
        #expect(out.stdout.contains(" run \(plantedFixture) --seed "))
        let last = try #require(out.stdout.split(separator: "\n").last)
        #expect(last.range(of: #"^sweep: seeds=1-4 passed=\d failed=[1-4] jobs=2 wall=[0-9.]+s$"#, options: .regularExpression) != nil, "\(last)")
        // Not a terminal: one plain line per seed.
        #expect(out.stdout.split(separator: "\n").filter { $0.hasPrefix("[") && $0.contains("] seed ") }.count == 4)
    }

    @Test("without the bug the same seeds pass; exit 0")
    func passesWithoutBug() throws {
        let out = try simctl(["sweep", plantedFixture, "--seeds", "1-2", "--jobs", "2"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last)
        #expect(last.hasPrefix("sweep: seeds=1-2 passed=2 failed=0 jobs=2 wall="), "\(last)")
        #expect(!out.stdout.contains("failing seeds"))
    }

    @Test("sweep, shrink and diff have --help and are listed; an unknown option exits 2 with a hint", arguments: ["sweep", "shrink", "diff"])
    func help(command: String) throws {
        let help = try simctl([command, "--help"])
        #expect(help.status == 0 && help.stdout.hasPrefix("USAGE: simctl \(command) FILE"))
        #expect(help.stdout.contains("Exit status:"))
        let bad = try simctl([command, plantedFixture, "--frobnicate"])
        #expect(bad.status == 2 && bad.stderr.contains("Try 'simctl \(command) --help'"))
        #expect(try simctl(["--help"]).stdout.contains("  \(command) "))
    }

    @Test("bad input exits 2 and runs nothing: a bad file, a bad range, no range, an unknown planted bug")
    func badInput() throws {
        let missing = try simctl(["sweep", "/no/such/file.json", "--seeds", "1-2"])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read experiment file"))
        let range = try simctl(["sweep", plantedFixture, "--seeds", "9-1"])
        #expect(range.status == 2 && range.stderr.contains("seed range 9-1 is empty"))
        let none = try simctl(["sweep", plantedFixture])
        #expect(none.status == 2 && none.stderr.contains("--seeds"))
        let jobs = try simctl(["sweep", plantedFixture, "--seeds", "1", "--jobs", "0"])
        #expect(jobs.status == 2 && jobs.stderr.contains("--jobs"))
        let bug = try simctl(["sweep", plantedFixture, "--seeds", "1"], environment: [PlantedBugs.environmentVariable: "no-such-bug"])
        #expect(bug.status == 2 && bug.stderr.contains("unknown planted bug 'no-such-bug'"))
    }
}
