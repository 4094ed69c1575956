import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `simctl run FILE FILE…`: several experiments, one after another, one summary line each.
struct RunTargets {
    let files: [String]
    let experiments: [Experiment]
    /// Each file's `--out` directory, or nil.
    let outs: [String?]
    let json: Bool

    /// The `--out` directory of each file: `dir` itself for one file, `dir/STEM` for several
    /// (STEM: the file name without `.json`; a repeated stem gets `-2`, `-3`…).
    static func outputDirectories(_ dir: String?, files: [String]) -> [String?] {
        guard let dir else { return files.map { _ in nil } }
        if files.count == 1 { return [dir] }
        var seen: [String: Int] = [:]
        return files.map { file in
            var stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            if stem.isEmpty { stem = "experiment" }
            seen[stem, default: 0] += 1
            let n = seen[stem]!
            return (dir as NSString).appendingPathComponent(n == 1 ? stem : "\(stem)-\(n)")
        }
    }

    /// Runs every experiment with `runOne(experiment, out, file)`, then prints the total line.
    /// - Returns: 0 when every run passed, 1 when one failed (3 when one could not finish).
    func runAll(_ runOne: (Experiment, String?, String) -> Int32) -> Int32 {
        var passed = 0, failed = 0, worst = ExitStatus.success
        for (k, experiment) in experiments.enumerated() {
            let status = runOne(experiment, outs[k], files[k])
            if status == ExitStatus.success { passed += 1 } else { failed += 1 }
            worst = max(worst, status)
        }
        if !json { print("run: files=\(files.count) passed=\(passed) failed=\(failed)") }
        return worst
    }

    /// Prints one file's result: `FILE: result=… seed=… events=… trace=…` and its failing checks,
    /// or (`json`) its JSON object with `"file"` first, on one line.
    static func printSummary(_ result: RunResult, file: String, extra: [(String, Double)], json: Bool) {
        if json {
            print("{\"file\":\(jsonString(file))," + result.json(extraMetrics: extra).dropFirst())
        } else {
            print("\(file): \(result.summaryLine)")
            for c in result.checks where !c.passed { print("  ✗ \(c.name): \(c.detail)") }
        }
        fflush(nil)
    }
}

/// Progress of a real-time `run --transport tcp` on standard error (standard output keeps its
/// contract): a line at the start, then every `interval` of wall time which phase the run is in.
/// This is the command-line tool's own wall clock; the run itself never reads it.
final class TCPProgress: @unchecked Sendable {
    private let experiment: Experiment
    private let interval: Duration
    private let queue = DispatchQueue(label: "simctl.tcp-progress")
    private var timer: DispatchSourceTimer?
    private let clock = ContinuousClock()
    private var started: ContinuousClock.Instant?

    init(experiment: Experiment, interval: Duration = .seconds(5)) {
        self.experiment = experiment
        self.interval = interval
    }

    private var total: Duration { experiment.duration + experiment.settle }

    /// Prints the start line and starts the periodic lines.
    func start() {
        let now = clock.now
        queue.sync { started = now }
        printError("tcp: running '\(experiment.name)' in real time: \(DurationText.format(experiment.duration)) of load "
                   + "and faults, then \(DurationText.format(experiment.settle)) to settle (\(DurationText.format(total)) in all)")
        let t = DispatchSource.makeTimerSource(queue: queue)
        let ns = Int(interval.nanosecondsClamped)
        t.schedule(deadline: .now() + .nanoseconds(ns), repeating: .nanoseconds(ns))
        t.setEventHandler { [weak self] in self?.tick() }
        queue.sync { timer = t }
        t.resume()
    }

    /// Stops the periodic lines and prints the end line.
    func stop() {
        let elapsed: Duration? = queue.sync {
            timer?.cancel()
            timer = nil
            return started.map { $0.duration(to: clock.now) }
        }
        printError("tcp: run finished after \(Self.seconds(elapsed ?? .zero)) of wall time; checking")
    }

    private func tick() {
        guard let started else { return }
        let elapsed = started.duration(to: clock.now)
        let phase = elapsed < experiment.duration ? "load and faults"
            : elapsed < total ? "settling" : "stopping the nodes"
        let passed = experiment.faults.filter { $0.at <= elapsed }.count
        printError("tcp: \(Self.seconds(elapsed)) of \(DurationText.format(total)): \(phase), "
                   + "\(passed) of \(experiment.faults.count) faults injected")
    }

    private static func seconds(_ d: Duration) -> String {
        String(format: "%.1fs", Double(d.nanosecondsClamped) / 1e9)
    }
}
