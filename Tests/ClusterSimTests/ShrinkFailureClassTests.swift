import Foundation
import Testing
@testable import ClusterSim

@Suite("shrink keeps the failure's class")
struct ShrinkFailureClassTests {
    @Test("failure classes are read from the checks' details", arguments: [
        ("push-delivery", "accepted 21, delivered 21; exceptions: none; failures: duplicate=1: push 5 to user-2 received 2 times (client-2 client-2)", "push-delivery[duplicate]"),
        ("push-delivery", "accepted 9, delivered 7; exceptions: session-crashed=2; failures: lost=2 duplicate=1: push 1 to u lost (accepted 1s)", "push-delivery[duplicate,lost]"),
        ("chat-delivery", "lines 3, member deliveries due 6, delivered 5; exceptions: none; failures: missed=1: line 2", "chat-delivery[missed]"),
        ("session-map-converges", "unmapped streams (no entry): user-5@frontend-2#8", "session-map-converges[unmapped]"),
        ("session-map-converges", "stale entries (no such stream): a; unmapped streams (no entry): b", "session-map-converges[stale,unmapped]"),
        ("registry-converges", "management-1 is down at the end of the run: there is no registry", "registry-converges[node-down]"),
        ("registry-converges", "stale (registered, not live): frontend-2", "registry-converges[stale]"),
        ("single-session", "users with two streams at the end: user-1; overlaps longer than the grace 1.000s: user-2 at 3s for 2s, 1 longer overlaps excused during faults", "single-session[long-overlap,two-streams-at-end]"),
        ("liveness", "7 of 7 clients not live at 26.580s: client-1 (last request failed)", "liveness[not-live]"),
        ("client-auth", "token attacks 3, token rejections 2; exceptions: none; 1 failures: forged-token attack 9 by client-3 at 2s never rejected", "client-auth[failures]"),
        ("expect.failoverWithin", "slowest failover 3000ms (bound 2000ms)", "expect.failoverWithin[slowest-failover-ms]"),
    ])
    func classes(check: String, detail: String, expected: String) {
        #expect(FailureClass(CheckResult(name: check, passed: false, detail: detail))?.description == expected)
        #expect(FailureClass(CheckResult(name: check, passed: true, detail: detail)) == nil)
    }

    /// The 10-second, 1-frontend, 2-client experiment with 5% duplicated messages: seed 6 fails
    /// push-delivery with a duplicate, and with no settle time it would fail with lost pushes too.
    static let duplicating = #"{"name": "dup", "duration": "10s", "cluster": {"frontends": 1}, "network": {"duplicate": 0.05}, "workload": {"clients": 2, "pushRate": "1/s"}}"#

    @Test("a duplicate-induced push-delivery failure shrinks to one that still fails with duplicates only")
    func duplicateKeepsClass() throws {
        let experiment = try Experiment.parse(Self.duplicating)
        let (_, original) = RunResult.simulate(experiment, seed: 6)
        guard let failing = original.checks.first(where: { $0.name == "push-delivery" && !$0.passed }) else {
            // The duplicate bug has been fixed: the planted-bug test below covers the rule.
            return
        }
        let shrinker = Shrinker(check: failing.name, original: original, experiment: experiment, maximumRuns: 60)
        #expect(shrinker.failureClass?.description == "push-delivery[duplicate]")
        let outcome = shrinker.shrink(experiment)
        let verdict = shrinker.verdict(of: outcome.experiment)
        #expect(verdict.targetClass?.description == "push-delivery[duplicate]", "\(verdict)")
        #expect(verdict.reproduces)
        // Cutting the settle time to 0 loses pushes still in flight: that candidate was refused.
        #expect(outcome.attempts.contains { !$0.accepted && $0.change.hasPrefix("settle 10s → 0s") && $0.detail.contains("fails another way") },
                "\(outcome.attempts.map { "\($0.change): \($0.detail)" })")
        #expect(outcome.attempts.filter(\.accepted).allSatisfy { $0.detail.hasPrefix("still fails") })
        // Every accepted step kept the run's failures as they were (only push-delivery, with duplicates).
        #expect(verdict.failures.map(\.description) == ["push-delivery[duplicate]"])
    }

    @Test("with a planted bug, every accepted candidate keeps the original failure class, settle cuts keep every failure")
    func plantedKeepsClass() throws {
        let experiment = try Experiment.load(path: plantedFixture)
        var bugs = PlantedBugs()
        bugs.sessionIgnoresConnection = true
        let (_, original) = RunResult.simulate(experiment, seed: 2) { $0.plantedBugs = bugs }
        let failing = try #require(original.checks.first { !$0.passed })
        let shrinker = Shrinker(check: failing.name, original: original, experiment: experiment, plantedBugs: bugs, maximumRuns: 40)
        let wanted = try #require(shrinker.failureClass)
        let outcome = shrinker.shrink(experiment)
        let verdict = shrinker.verdict(of: outcome.experiment)
        #expect(verdict.targetClass == wanted)
        #expect(verdict.reproduces)
        if outcome.experiment.settle < experiment.settle {
            #expect(verdict.failures.contains(wanted))
        }
    }
}
