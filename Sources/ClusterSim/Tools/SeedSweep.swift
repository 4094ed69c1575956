import Foundation
import Synchronization

/// The result of running one seed of a sweep.
package struct SeedOutcome: Sendable, Equatable {
    /// How one seed ended.
    package enum Verdict: Sendable, Equatable {
        /// Every check passed.
        case passed
        /// These checks failed.
        case failed([CheckResult])
        /// The run itself went wrong (a crash, output that is not a result): what happened.
        case broken(String)
    }

    /// The seed.
    package var seed: UInt64
    /// How it ended.
    package var verdict: Verdict
    /// The trace hash, when the run reported one.
    package var traceHash: String?

    /// Makes an outcome.
    package init(seed: UInt64, verdict: Verdict, traceHash: String? = nil) {
        self.seed = seed
        self.verdict = verdict
        self.traceHash = traceHash
    }

    /// Whether the seed passed.
    package var passed: Bool { verdict == .passed }

    /// Reads the outcome of `simctl run FILE --seed S --json` from its exit status and output.
    /// - Returns: `.passed` or `.failed` from the JSON object (`result`, `checks`, `trace`), or
    ///   `.broken` when the process crashed, exited other than 0 or 1, or printed something else.
    package static func fromRun(seed: UInt64, _ output: ChildProcess.Output) -> SeedOutcome {
        if output.signalled {
            return SeedOutcome(seed: seed, verdict: .broken("the run crashed (signal \(output.status))" + stderrTail(output)))
        }
        guard output.status == 0 || output.status == 1 else {
            return SeedOutcome(seed: seed, verdict: .broken("the run exited with status \(output.status)" + stderrTail(output)))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
              let result = object["result"] as? String, let rawChecks = object["checks"] as? [[String: Any]] else {
            return SeedOutcome(seed: seed, verdict: .broken("the run printed no JSON result" + stderrTail(output)))
        }
        let checks = rawChecks.map {
            CheckResult(name: $0["name"] as? String ?? "?", passed: $0["passed"] as? Bool ?? false,
                        detail: $0["detail"] as? String ?? "")
        }
        let failing = checks.filter { !$0.passed }
        let hash = object["trace"] as? String
        if result == "PASS" && failing.isEmpty && output.status == 0 {
            return SeedOutcome(seed: seed, verdict: .passed, traceHash: hash)
        }
        if failing.isEmpty {
            return SeedOutcome(seed: seed, verdict: .broken("the run said \(result) (status \(output.status)) with no failing check"),
                               traceHash: hash)
        }
        return SeedOutcome(seed: seed, verdict: .failed(failing), traceHash: hash)
    }

    private static func stderrTail(_ output: ChildProcess.Output) -> String {
        let lines = output.stderr.split(separator: "\n").suffix(3)
        return lines.isEmpty ? "" : ": " + lines.joined(separator: " | ")
    }
}

/// Runs a body for every seed of a range on up to `jobs` threads at once (real time: a tool, not
/// simulated code). Each body call typically starts and waits for one child process.
package enum SeedSweep {
    /// Calls `body` once per seed of `seeds`, on `jobs` worker threads that take the seeds in
    /// order, and `progress` after each seed ends (in completion order, one call at a time).
    /// - Returns: every outcome, sorted by seed.
    package static func run(seeds: SeedRange, jobs: Int,
                           _ body: @escaping @Sendable (UInt64) -> SeedOutcome,
                           progress: @escaping @Sendable (_ outcome: SeedOutcome, _ finished: Int) -> Void = { _, _ in })
        -> [SeedOutcome] {
        let state = SweepState(seeds: Array(seeds))
        let workers = max(1, min(jobs, seeds.count))
        let done = DispatchGroup()
        for _ in 0..<workers {
            done.enter()
            let thread = Thread {
                while let seed = state.next() {
                    let outcome = body(seed)
                    state.finish(outcome, progress)
                }
                done.leave()
            }
            thread.stackSize = 1 << 24  // runs in-process bodies too, which recurse deeper than 512 KiB
            thread.start()
        }
        done.wait()
        return state.results.sorted { $0.seed < $1.seed }
    }
}

/// The seeds left and the outcomes so far, shared by the workers of a sweep.
private final class SweepState: Sendable {
    private struct Inner {
        var pending: [UInt64]
        var nextIndex = 0
        var results: [SeedOutcome] = []
    }
    private let inner: Mutex<Inner>

    init(seeds: [UInt64]) { inner = Mutex(Inner(pending: seeds)) }

    /// The next seed to run, or nil when every seed has been handed out.
    func next() -> UInt64? {
        inner.withLock { s in
            guard s.nextIndex < s.pending.count else { return nil }
            defer { s.nextIndex += 1 }
            return s.pending[s.nextIndex]
        }
    }

    /// Records `outcome` and reports it, holding the lock so that reports never interleave.
    func finish(_ outcome: SeedOutcome, _ progress: (SeedOutcome, Int) -> Void) {
        inner.withLock { s in
            s.results.append(outcome)
            progress(outcome, s.results.count)
        }
    }

    var results: [SeedOutcome] { inner.withLock { $0.results } }
}
