import Nodes
import NetModel

/// The outcome of one run of an experiment: the checks, the metrics and the trace's identity.
public struct RunResult: Sendable {
    /// The experiment's name.
    public let name: String
    /// The seed used.
    public let seed: UInt64
    /// Trace events recorded.
    public let events: Int
    /// The trace hash (16 hex digits).
    public let traceHash: String
    /// Every check, in the experiment's order, then the `expect` thresholds, then the executor's own.
    public let checks: [CheckResult]
    /// Metric name → value (times in milliseconds), in a fixed order.
    public let metrics: [(String, Double)]
    /// Virtual time simulated.
    public let virtualTime: Duration

    /// Whether every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// Runs `experiment` with `seed` (its own when nil) on the simulator and checks it; the run's
    /// trace keeps what `retention` says (``TraceRetention/everything`` to read its events afterwards).
    /// - Returns: the run (for its trace and state) and its result.
    public static func simulate(_ experiment: Experiment, seed: UInt64? = nil, services: ServiceRegistry = .standard,
                                retention: TraceRetention = .checks,
                                configure: (ClusterRun) -> Void = { _ in }) -> (ClusterRun, RunResult) {
        let run = ClusterRun(experiment: experiment, seed: seed, services: services, retention: retention)
        configure(run)
        let outcome = run.run()
        return (run, evaluate(run, outcome: outcome))
    }

    /// Checks a finished run: its experiment's checks, its `expect` thresholds, the executor.
    /// - Returns: the result.
    package static func evaluate(_ run: ClusterRun, outcome: RunOutcome) -> RunResult {
        let executor = CheckResult(name: "executor", passed: outcome.isClean,
                                   detail: outcome.foreignJobs.failureMessage ?? "every job ran on the simulator's executor")
        return evaluate(run.experiment, seed: run.seed, record: run.record(), scans: run.simulator.trace.scanned,
                        traceCount: run.simulator.trace.count, traceHash: run.simulator.trace.hash,
                        runtimeCheck: executor, virtualTime: VirtualInstant.zero.duration(to: run.end))
    }

    /// Checks a finished run of any runtime from its record: the experiment's checks, its
    /// `expect` thresholds, then `runtimeCheck` (the runtime's own verdict on itself).
    /// - Returns: the result.
    package static func evaluate(_ experiment: Experiment, seed: UInt64, record: RunRecord, traceCount: Int,
                                traceHash: String, runtimeCheck: CheckResult, virtualTime: Duration) -> RunResult {
        evaluate(experiment, seed: seed, record: record, scans: TraceScans(), traceCount: traceCount,
                 traceHash: traceHash, runtimeCheck: runtimeCheck, virtualTime: virtualTime)
    }

    /// Checks a finished run from its record and the scans (metrics, streaming checkers) fed while
    /// it ran: what has a scan only finishes it; the other checks read the record now.
    /// - Returns: the result.
    static func evaluate(_ experiment: Experiment, seed: UInt64, record: RunRecord, scans: TraceScans, traceCount: Int,
                         traceHash: String, runtimeCheck: CheckResult, virtualTime: Duration) -> RunResult {
        // The metrics and every checker read the record only: they run at once, one task each.
        let checkers = experiment.checks.map { Checkers.make($0) }
        let outcomes = Parallel.map(0..<(checkers.count + 1)) { task -> (RunMetrics?, CheckResult?) in
            if task == 0 { return (scans.metrics?.finish(run: record) ?? RunMetrics(record), nil) }
            if let scan = scans.scan(at: task - 1) { return (nil, scan.finish(run: record)) }
            return (nil, checkers[task - 1].check(record))
        }
        let metrics = outcomes[0].0!
        var checks = outcomes.dropFirst().map { $0.1! }
        checks += Checkers.expectations(experiment.expect, metrics: metrics, record: record)
        checks.append(runtimeCheck)
        return RunResult(name: experiment.name, seed: seed, events: traceCount, traceHash: traceHash, checks: checks,
                         metrics: metrics.asDictionary(), virtualTime: virtualTime)
    }

    /// The last line of `simctl run`: `result=PASS|FAIL seed=N events=N trace=HASH`.
    public var summaryLine: String {
        "result=\(passed ? "PASS" : "FAIL") seed=\(seed) events=\(events) trace=\(traceHash)"
    }

    /// The `--json` object: result, seed, events, trace, checks, metrics (plus `extra` metrics such as
    /// wall time, which the caller measures).
    public func json(extraMetrics: [(String, Double)] = []) -> String {
        var s = "{\"result\":\"\(passed ? "PASS" : "FAIL")\",\"name\":\(jsonString(name)),\"seed\":\(seed),"
        s += "\"events\":\(events),\"trace\":\"\(traceHash)\",\"checks\":["
        s += checks.map { "{\"name\":\(jsonString($0.name)),\"passed\":\($0.passed),\"detail\":\(jsonString($0.detail))}" }
            .joined(separator: ",")
        s += "],\"metrics\":{"
        s += (metrics + extraMetrics).map { "\(jsonString($0.0)):\(jsonNumber($0.1))" }.joined(separator: ",")
        return s + "}}"
    }
}

/// A number as JSON: integers without a fraction, others with up to 3 decimals.
func jsonNumber(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    let scaled = (x * 1000).rounded() / 1000
    return "\(scaled)"
}
