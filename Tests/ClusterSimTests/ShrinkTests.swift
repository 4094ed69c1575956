import Foundation
import Testing
@testable import ClusterSim

@Suite("simctl shrink")
struct ShrinkTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-shrink-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("planted bug → sweep finds a failing seed → shrink writes a smaller file that still fails the same check")
    func sweepThenShrink() throws {
        // 1. Sweep finds a failing seed.
        let sweep = try simctl(["sweep", plantedFixture, "--seeds", "1-3", "--jobs", "2"], environment: plantStaleLogout)
        #expect(sweep.status == 1)
        let seedLine = try #require(sweep.stdout.split(separator: "\n").first { $0.hasPrefix("  seed ") && $0.contains("session-map-converges") })
        let seed = try #require(seedLine.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        // 2. Shrink it.
        let out = try scratch().appendingPathComponent("shrunk.json").path
        let shrink = try simctl(["shrink", plantedFixture, "--seed", seed, "--check", "session-map-converges", "--out", out],
                                environment: plantStaleLogout)
        #expect(shrink.status == 0, "\(shrink.stdout)\(shrink.stderr)")
        #expect(shrink.stdout.contains("removed:"))
        #expect(shrink.stdout.contains("reproduce: CLUSTERSIM_PLANT=session-ignores-connection "))
        // 3. Smaller on every axis the fixture can lose, and valid.
        let original = try Experiment.load(path: plantedFixture)
        let smaller = try Experiment.load(path: out)
        #expect(smaller.faults.count < original.faults.count)
        #expect(smaller.workload.clients < original.workload.clients)
        #expect(smaller.settle < original.settle || smaller.duration < original.duration)
        #expect(smaller.seed == UInt64(seed))
        #expect(smaller.checks == [.sessionMapConverges])
        // 4. Run it again, as a user would: it still fails the same check, and only with the bug.
        let again = try simctl(["run", out, "--json"], environment: plantStaleLogout)
        #expect(again.status == 1)
        #expect(SeedOutcome.fromRun(seed: smaller.seed, again).verdict.failedNames == ["session-map-converges"])
        let clean = try simctl(["run", out])
        #expect(clean.status == 0, "the shrunk experiment fails without the planted bug too:\n\(clean.stdout)")
    }

    @Test("the search is deterministic and never slips to another failure")
    func deterministic() throws {
        var experiment = try Experiment.load(path: plantedFixture)
        experiment.workload.clients = 20
        var bugs = PlantedBugs()
        bugs.sessionIgnoresConnection = true
        let (_, original) = RunResult.simulate(experiment, seed: 2) { $0.plantedBugs = bugs }
        let failing = try #require(original.checks.first { !$0.passed })
        let shrinker = Shrinker(check: failing.name, original: original, experiment: experiment, plantedBugs: bugs, maximumRuns: 40)
        #expect(shrinker.guards.contains("liveness"))
        let a = shrinker.shrink(experiment), b = shrinker.shrink(experiment)
        #expect(a.experiment == b.experiment)
        #expect(a.attempts.map(\.change) == b.attempts.map(\.change))
        #expect(!a.accepted.isEmpty)
        let verdict = shrinker.verdict(of: a.experiment)
        #expect(verdict.reproduces, "\(verdict)")
        #expect(a.attempts.filter { !$0.accepted }.allSatisfy { !$0.detail.hasPrefix("still fails") })
    }

    @Test("a passing run has nothing to shrink (exit 1); an unknown check or a bad file exits 2")
    func nothingToShrink() throws {
        let passing = try simctl(["shrink", plantedFixture, "--seed", "1", "--out", try scratch().appendingPathComponent("x.json").path])
        #expect(passing.status == 1)
        #expect(passing.stdout.contains("passes every check; nothing to shrink"))
        let unknown = try simctl(["shrink", plantedFixture, "--check", "no-such-check"], environment: plantStaleLogout)
        #expect(unknown.status == 2 && unknown.stderr.contains("has no check 'no-such-check'"))
        let bad = try simctl(["shrink", "/no/such.json"])
        #expect(bad.status == 2)
    }
}

extension SeedOutcome.Verdict {
    /// The names of the failed checks (empty unless `.failed`).
    var failedNames: [String] {
        if case .failed(let checks) = self { return checks.map(\.name) }
        return []
    }
}
