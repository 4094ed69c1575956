import ClusterSim
import Foundation

/// `simctl shrink FILE --seed N`: find a smaller experiment that still fails the same check.
enum ShrinkCommand: Command {
    static let name = "shrink"
    static let summary = "Reduce a failing experiment to a smaller one that fails the same check"
    static let help = """
    USAGE: simctl shrink FILE [--seed N] [--check NAME] [--out NEW.json] [--max-runs N]

    Runs FILE with seed N; if a check fails, searches for a smaller experiment that still fails that
    check with the same seed: fewer faults (one at a time, then pairs), fewer clients, a shorter
    duration and settle time, constant latency, no lossy links, fewer frontends, no gateway, no
    chat, lower rates. Every candidate is validated and run in this process; it is kept when the
    check still fails with the same failure class (the kinds of failure its detail names, e.g.
    push-delivery[duplicate]: duplicates must not turn into lost pushes) and every check that
    passed in the original run still passes (so the search does not slip to another failure, such
    as a run too short to converge); a shorter settle is kept only when every failing check fails
    exactly as before. Prints each step, writes the smallest experiment found as a new
    experiment file (its "seed" is N, so 'simctl run NEW.json' reproduces the failure) and runs it
    once more to confirm. The same input always gives the same output.

    OPTIONS:
      --seed N        The failing seed, 0 to 18446744073709551615 (default: the file's "seed").
      --check NAME    The check to keep failing (default: the first failing one).
      --out FILE      Where to write the new experiment (default: NAME.shrunk-seedN.json here);
                      checked before the first run.
      --max-runs N    Stop after this many candidate runs (default 200).
      -h, --help      Show this help.

    The last line is 'shrink: check=NAME seed=N runs=N wrote=FILE'.
    Exit status: 0 a (possibly unchanged) failing experiment was written, 1 the run does not fail
    the check (nothing to shrink), 2 bad file or arguments, 3 the new file could not be written.

    """
    static let spec = ArgumentSpec(valued: ["--seed", "--check", "--out", "--max-runs"], positionals: 1...1,
                                   positionalNames: ["FILE"])

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        let path = args.positionals[0]
        let experiment = loadExperiment(path)
        let seed: UInt64, maxRuns: Int, bugs: PlantedBugs
        do {
            seed = try args.seed() ?? experiment.seed
            maxRuns = try args.integer("--max-runs", default: 200, in: 1...100_000)
            bugs = try PlantedBugs.fromEnvironment()
        } catch {
            fail("shrink: \(error)", hint: "Try 'simctl shrink --help'.")
        }
        let out = args.value("--out") ?? "\(experiment.name).shrunk-seed\(seed).json"
        if let problem = OutputPath.fileProblem(out) { fail("shrink: --out: \(problem)") }
        let (_, original) = RunResult.simulate(experiment, seed: seed) { $0.plantedBugs = bugs }
        let check: CheckResult
        if let wanted = args.value("--check") {
            guard let found = original.checks.first(where: { $0.name == wanted }) else {
                fail("shrink: this experiment has no check '\(wanted)' (its checks: \(original.checks.map(\.name).joined(separator: ", ")))")
            }
            check = found
        } else if let first = original.checks.first(where: { !$0.passed }) {
            check = first
        } else {
            print("\(path): seed \(seed) passes every check; nothing to shrink")
            return 1
        }
        guard !check.passed else {
            print("\(path): seed \(seed) passes \(check.name); nothing to shrink")
            return 1
        }
        print("shrinking \(path) with seed \(seed)" + (bugs.isEmpty ? "" : " (planted: \(bugs.switchValue))"))
        print("it fails \(check.name): \(check.detail)")
        let shrinker = Shrinker(check: check.name, original: original, experiment: experiment, plantedBugs: bugs,
                                maximumRuns: maxRuns)
        if let wanted = shrinker.failureClass { print("failure class (must stay the same): \(wanted)") }
        if !shrinker.guards.isEmpty { print("guards (must keep passing): " + shrinker.guards.joined(separator: ", ")) }
        var n = 0
        let outcome = shrinker.shrink(experiment) { attempt in
            n += 1
            let detail = attempt.accepted ? "still fails" : attempt.detail.count > 100 ? String(attempt.detail.prefix(100)) + "…" : attempt.detail
            print(String(format: "%4d ", n) + (attempt.accepted ? "kept    " : "undone  ") + attempt.change + " (\(detail))")
        }
        var smaller = outcome.experiment
        smaller.name = experiment.name.hasSuffix("-shrunk") ? experiment.name : experiment.name + "-shrunk"
        smaller.description = "Shrunk by 'simctl shrink' from \(path) with seed \(seed): still fails \(check.name)."
            + (experiment.description.isEmpty ? "" : " Original: " + experiment.description)
        let text = smaller.jsonText()
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            fail("shrink: cannot write '\(out)': \(error.localizedDescription)", status: ExitStatus.broken)
        }
        // Confirm from the file itself, as 'simctl run' will read it.
        let verdict: Shrinker.Verdict
        do {
            verdict = shrinker.verdict(of: try Experiment.load(path: out))
        } catch {
            fail("shrink: the file written to '\(out)' does not read back: \(error)", status: ExitStatus.broken)
        }
        print("removed:")
        for line in changes(from: experiment, to: smaller) { print("  - " + line) }
        if outcome.accepted.isEmpty { print("  (nothing: no smaller experiment still fails \(check.name))") }
        if outcome.hitRunLimit { print("stopped after \(maxRuns) runs (--max-runs); shrinking further may be possible") }
        let confirmed = verdict.target
        let sameClass = verdict.targetClass != nil && verdict.targetClass == shrinker.failureClass
        print("confirmed: \(out) " + (confirmed.map {
            $0.passed ? "PASSES \(check.name) (unexpected)"
                : sameClass ? "fails \(check.name) (\(verdict.targetClass!)): \($0.detail)"
                : "fails \(check.name) another way (\(verdict.targetClass!), unexpected): \($0.detail)"
        } ?? "has no check \(check.name)"))
        print("reproduce: \(bugs.commandPrefix)\(CommandLine.arguments[0]) run \(shellQuoted(out))")
        print("shrink: check=\(check.name) seed=\(seed) runs=\(outcome.attempts.count) wrote=\(out)")
        return sameClass ? 0 : 1
    }

    /// What differs between the original and the shrunk experiment, in words.
    static func changes(from a: Experiment, to b: Experiment) -> [String] {
        var out: [String] = []
        func fmt(_ d: Duration) -> String { DurationText.format(d) }
        if a.faults.count != b.faults.count {
            let gone = a.faults.filter { !b.faults.contains($0) }.map(Shrinker.describe)
            out.append("\(a.faults.count - b.faults.count) of \(a.faults.count) faults: " + gone.joined(separator: "; "))
        }
        if a.workload.clients != b.workload.clients { out.append("clients \(a.workload.clients) → \(b.workload.clients)") }
        if a.duration != b.duration { out.append("duration \(fmt(a.duration)) → \(fmt(b.duration))") }
        if a.settle != b.settle { out.append("settle \(fmt(a.settle)) → \(fmt(b.settle))") }
        if a.cluster.frontends != b.cluster.frontends { out.append("frontends \(a.cluster.frontends) → \(b.cluster.frontends)") }
        if a.cluster.gateway != b.cluster.gateway { out.append("the gateway") }
        if a.cluster.chat != b.cluster.chat { out.append("the chat node and chat rooms") }
        if a.network.defaults.latency != b.network.defaults.latency
            || (a.network.links.count == b.network.links.count && a.network.links.map(\.conditions.latency) != b.network.links.map(\.conditions.latency)) {
            out.append("variable latency (now constant)")
        }
        if a.network.links.count != b.network.links.count { out.append("\(a.network.links.count - b.network.links.count) of \(a.network.links.count) link overrides") }
        if a.network.defaults.drop != b.network.defaults.drop || a.network.defaults.duplicate != b.network.defaults.duplicate {
            out.append("message loss and duplication")
        }
        if a.workload.requestRate != b.workload.requestRate { out.append("requestRate \(a.workload.requestRate) → \(b.workload.requestRate)") }
        if a.workload.pushRate != b.workload.pushRate { out.append("pushRate \(a.workload.pushRate) → \(b.workload.pushRate)") }
        if a.workload.duplicateLogins != b.workload.duplicateLogins {
            out.append("duplicateLogins \(a.workload.duplicateLogins) → \(b.workload.duplicateLogins)")
        }
        if a.workload.attacks != nil && b.workload.attacks == nil { out.append("the attackers") }
        if a.checks != b.checks || a.expect != b.expect {
            out.append("checks other than \(b.checks.map(\.rawValue).joined(separator: ", "))")
        }
        return out
    }
}
