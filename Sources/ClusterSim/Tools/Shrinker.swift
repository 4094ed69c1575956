/// Searches for a smaller experiment that still fails the same check with the same seed.
///
/// Greedy and deterministic: from the current experiment it lists candidate simplifications in a
/// fixed order (``candidates(of:)``: keep only the failing check, drop faults one at a time then in
/// pairs, halve the clients, the duration and the settle time, constant latency, no lossy links,
/// fewer frontends, no gateway, no chat, lower rates); each candidate must pass
/// `Experiment.validate()`; it is run in-process and accepted when the check still fails. After an
/// acceptance the list is made again from the new experiment; the search ends when no candidate
/// is accepted or after `maximumRuns` runs. The same input always gives the same output.
public struct Shrinker {
    /// The failing check to keep failing (a ``CheckName`` raw value or `expect.<field>`).
    public let check: String
    /// The seed every run uses.
    public let seed: UInt64
    /// Bugs planted in every run (tests only).
    public var plantedBugs: PlantedBugs
    /// The most candidate runs.
    public var maximumRuns: Int

    /// Makes a shrinker for `check` failing with `seed`.
    public init(check: String, seed: UInt64, plantedBugs: PlantedBugs = PlantedBugs(), maximumRuns: Int = 200) {
        self.check = check
        self.seed = seed
        self.plantedBugs = plantedBugs
        self.maximumRuns = maximumRuns
    }

    /// One candidate that was run.
    public struct Attempt: Sendable {
        /// What the candidate changes, e.g. `clients 40 → 20`.
        public var change: String
        /// Whether it still failed the check (and was kept).
        public var accepted: Bool
        /// The check's detail in that run.
        public var detail: String
    }

    /// The search's result.
    public struct Outcome: Sendable {
        /// The smallest experiment found (its `seed` is the shrinker's seed).
        public var experiment: Experiment
        /// Every candidate run, in order.
        public var attempts: [Attempt]
        /// The accepted changes, in order.
        public var accepted: [String] { attempts.filter(\.accepted).map(\.change) }
        /// Whether the search stopped at `maximumRuns` rather than at a fixed point.
        public var hitRunLimit: Bool
    }

    /// Runs `experiment` with the shrinker's seed and bugs.
    /// - Returns: the result of the check (nil when the run has no check of that name).
    public func result(of experiment: Experiment) -> CheckResult? {
        let (_, result) = RunResult.simulate(experiment, seed: seed) { $0.plantedBugs = plantedBugs }
        return result.checks.first { $0.name == check }
    }

    /// Shrinks `experiment`, which should fail the check; `report` is called after each run.
    /// - Returns: the smallest failing experiment found (the input itself, with `seed` set, when
    ///   nothing smaller fails) and every attempt.
    public func shrink(_ experiment: Experiment, report: (Attempt) -> Void = { _ in }) -> Outcome {
        var current = experiment
        current.seed = seed
        var attempts: [Attempt] = []
        var tried: Set<String> = [current.jsonText()]
        var progress = true
        var limited = false
        while progress && !limited {
            progress = false
            for (change, candidate) in candidates(of: current) {
                guard attempts.count < maximumRuns else { limited = true; break }
                let key = candidate.jsonText()
                guard tried.insert(key).inserted, (try? candidate.validate()) != nil else { continue }
                let outcome = result(of: candidate)
                let failed = outcome.map { !$0.passed } ?? false
                let attempt = Attempt(change: change, accepted: failed, detail: outcome?.detail ?? "no such check")
                attempts.append(attempt)
                report(attempt)
                if failed {
                    current = candidate
                    progress = true
                    break
                }
            }
        }
        return Outcome(experiment: current, attempts: attempts, hitRunLimit: limited)
    }
}
