/// Searches for a smaller experiment that still fails the same check with the same seed.
///
/// Greedy and deterministic: from the current experiment it lists candidate simplifications in a
/// fixed order (``candidates(of:)``: keep only the failing check, drop faults one at a time then in
/// pairs, halve the clients, the duration and the settle time, constant latency, no lossy links,
/// fewer frontends, no gateway, no chat, lower rates); each candidate must pass
/// `Experiment.validate()`; it is run in-process and accepted when the check still fails **with the
/// same ``FailureClass``** (a push-delivery failure of duplicates stays one of duplicates) **and**
/// every guard check (those that passed in the original run) still passes — so that the search
/// does not slip to a different failure, such as a run too short for anything to converge. A
/// candidate that shortens `settle` must moreover leave the run's whole set of failures (every
/// failing check with its class) exactly as it was: the time to settle is what a run needs to
/// finish its work, and cutting it can add failures of unfinished work while the target still
/// fails. After
/// an acceptance the list is made again from the new experiment and the walk goes on from the same
/// position; a walk that accepts nothing ends the search, as do `maximumRuns` runs. The same input
/// always gives the same output.
package struct Shrinker {
    /// The failing check to keep failing (a ``CheckName`` raw value or `expect.<field>`).
    package let check: String
    /// How it fails in the original run: every candidate must fail it the same way.
    package let failureClass: FailureClass?
    /// The class of every failing check of the original run, sorted.
    package let originalFailures: [FailureClass]
    /// The seed every run uses.
    package let seed: UInt64
    /// Checks that must keep passing (names as in ``RunResult/checks``).
    package var guards: [String]
    /// The checkers and thresholds every candidate is judged with, whatever its own file lists.
    package var judgedChecks: [CheckName]
    /// The thresholds every candidate is judged with.
    package var judgedExpect: Expectations
    /// Bugs planted in every run (tests only).
    package var plantedBugs: PlantedBugs
    /// The most candidate runs.
    package var maximumRuns: Int

    /// Makes a shrinker for the failing `check` of `original` (the result of running `experiment`
    /// with `seed`): the checks that passed there become the guards.
    package init(check: String, original: RunResult, experiment: Experiment, plantedBugs: PlantedBugs = PlantedBugs(),
                maximumRuns: Int = 200) {
        self.check = check
        self.failureClass = original.checks.first { $0.name == check }.flatMap(FailureClass.init)
        self.originalFailures = FailureClass.of(original.checks)
        self.seed = original.seed
        self.guards = original.checks.filter { $0.passed && $0.name != check }.map(\.name)
        self.judgedChecks = experiment.checks
        self.judgedExpect = experiment.expect
        self.plantedBugs = plantedBugs
        self.maximumRuns = maximumRuns
    }

    /// One candidate that was run.
    package struct Attempt: Sendable {
        /// What the candidate changes, e.g. `clients 40 → 20`.
        package var change: String
        /// Whether it still failed the check (and was kept).
        package var accepted: Bool
        /// Why: `still fails: …`, `then it passes`, `then liveness fails instead: …`.
        package var detail: String
    }

    /// The search's result.
    package struct Outcome: Sendable {
        /// The smallest experiment found (its `seed` is the shrinker's seed).
        package var experiment: Experiment
        /// Every candidate run, in order.
        package var attempts: [Attempt]
        /// The accepted changes, in order.
        package var accepted: [String] { attempts.filter(\.accepted).map(\.change) }
        /// Whether the search stopped at `maximumRuns` rather than at a fixed point.
        package var hitRunLimit: Bool
    }

    /// How a candidate did.
    package struct Verdict: Sendable {
        /// The target check's result (nil when the run has no check of that name).
        package var target: CheckResult?
        /// Guards that failed.
        package var brokenGuards: [CheckResult]
        /// The class of every failing check of the run, sorted.
        package var failures: [FailureClass]
        /// The class the target must fail with (the original run's), nil for any.
        package var wanted: FailureClass?
        /// The target's failure class in this run (nil when it passed or is missing).
        package var targetClass: FailureClass? { target.flatMap(FailureClass.init) }
        /// Whether the candidate reproduces the failure: the target fails with the wanted class and
        /// every guard passes.
        package var reproduces: Bool {
            guard let got = targetClass, brokenGuards.isEmpty else { return false }
            return wanted.map { $0 == got } ?? true
        }
    }

    /// Runs `experiment` with the shrinker's seed and bugs, judged by ``judgedChecks`` and
    /// ``judgedExpect`` (checks do not change a run, only what is asked of it).
    /// - Returns: the target check's result and the guards that failed.
    package func verdict(of experiment: Experiment) -> Verdict {
        var judged = experiment
        judged.checks = judgedChecks
        judged.expect = judgedExpect
        let (_, result) = RunResult.simulate(judged, seed: seed) { $0.plantedBugs = plantedBugs }
        return Verdict(target: result.checks.first { $0.name == check },
                       brokenGuards: result.checks.filter { !$0.passed && guards.contains($0.name) },
                       failures: FailureClass.of(result.checks), wanted: failureClass)
    }

    /// Shrinks `experiment`, which should fail the check; `report` is called after each run.
    /// - Returns: the smallest failing experiment found (the input itself, with `seed` set, when
    ///   nothing smaller fails) and every attempt.
    package func shrink(_ experiment: Experiment, report: (Attempt) -> Void = { _ in }) -> Outcome {
        var current = experiment
        current.seed = seed
        var attempts: [Attempt] = []
        var tried: Set<String> = [current.jsonText()]
        var limited = false
        // The failures of the current experiment, which a shorter settle must leave as they are.
        var currentFailures = originalFailures
        // Rounds: walk the candidate list; after an acceptance, remake the list from the new
        // experiment and go on from the same position (the kinds before it were tried this round).
        // Another round when this one accepted anything.
        var acceptedInRound = true
        while acceptedInRound && !limited {
            acceptedInRound = false
            var list = candidates(of: current)
            var position = 0
            while position < list.count {
                let (change, candidate) = list[position]
                position += 1
                guard attempts.count < maximumRuns else { limited = true; break }
                let key = candidate.jsonText()
                guard tried.insert(key).inserted, (try? candidate.validate()) != nil else { continue }
                let verdict = verdict(of: candidate)
                let settleKeepsFailures = candidate.settle >= current.settle || verdict.failures == currentFailures
                let failed = verdict.reproduces && settleKeepsFailures
                let why: String
                if let broken = verdict.brokenGuards.first {
                    why = "then \(broken.name) fails instead: \(broken.detail)"
                } else if let target = verdict.target, target.passed {
                    why = "then it passes"
                } else if let got = verdict.targetClass, let wanted = failureClass, got != wanted {
                    why = "then it fails another way: \(got) (was \(wanted)): \(verdict.target!.detail)"
                } else if verdict.reproduces && !settleKeepsFailures {
                    why = "then the failures change with the shorter settle: "
                        + verdict.failures.map(\.description).joined(separator: " ")
                        + " (were " + currentFailures.map(\.description).joined(separator: " ") + ")"
                } else if let target = verdict.target {
                    why = "still fails: \(target.detail)"
                } else {
                    why = "no check \(check) in that run"
                }
                let attempt = Attempt(change: change, accepted: failed, detail: why)
                attempts.append(attempt)
                report(attempt)
                if failed {
                    current = candidate
                    currentFailures = verdict.failures
                    acceptedInRound = true
                    list = candidates(of: current)
                    position -= 1
                }
            }
        }
        return Outcome(experiment: current, attempts: attempts, hitRunLimit: limited)
    }
}
