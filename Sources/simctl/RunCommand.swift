import ClusterSim
import Foundation
import NetModel

/// `simctl run FILE`: run an experiment and check it.
enum RunCommand: Command {
    static let name = "run"
    static let summary = "Run an experiment (simulated, or over TCP) and check it"
    static let help = """
    USAGE: simctl run FILE [--seed N] [--transport sim|tcp] [--out DIR] [--json]

    Runs the experiment FILE (see docs/experiment-reference.md): the cluster, its workload and its
    faults, for `duration` and then `settle` of virtual time; then runs its checks.

    OPTIONS:
      --seed N          Run seed (default: the file's "seed", else 1).
      --transport T     sim (default): the deterministic simulated network. tcp: real time, every
                        node on real loopback sockets in this process (docs/real-cluster.md); the
                        'network' section is ignored (a note says so), every fault is honoured.
      --out DIR         Also write DIR/summary.json, DIR/trace.jsonl and the reports DIR/report.html,
                        DIR/report.md and DIR/trace.perfetto.json (Perfetto / chrome://tracing).
      --json            Print one JSON object (result, seed, events, trace, checks, metrics) instead.
      -h, --help        Show this help.

    The last line of the output is 'result=PASS|FAIL seed=N events=N trace=HASH'.
    Exit status: 0 every check passed, 1 a check failed, 2 bad file or arguments.

    Test-only: CLUSTERSIM_PLANT=session-ignores-connection,iterate-set in the environment plants
    known bugs (used by the tests of sweep, shrink and diff; never set it otherwise).

    """
    static let spec = ArgumentSpec(valued: ["--seed", "--transport", "--out"], flags: ["--json"],
                                   positionals: 1...1, positionalNames: ["FILE"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let path = args.positionals[0]
        let experiment = loadExperiment(path)
        var seed: UInt64?
        if let text = args.value("--seed") {
            guard let s = UInt64(text) else { fail("run: option '--seed' expects a non-negative integer, got '\(text)'") }
            seed = s
        }
        switch args.value("--transport") ?? "sim" {
        case "sim": break
        case "tcp": return runOverTCP(experiment, seed: seed, args: args)
        case let other: fail("run: unknown transport '\(other)' (expected sim or tcp)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        // Only the reports of --out read the events after the run; trace.jsonl is written as they come.
        let out = args.value("--out")
        let run = ClusterRun(experiment: experiment, seed: seed, retention: out == nil ? .checks : .everything)
        do { run.plantedBugs = try PlantedBugs.fromEnvironment() } catch { fail("run: \(error)") }  // test-only
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try run.simulator.trace.writeEvents(to: out + "/trace.jsonl")
            } catch {
                fail("run: cannot write to '\(out)': \(error)")
            }
        }
        let outcome = run.run()
        do { try run.simulator.trace.finishWriting() } catch { fail("run: \(error)") }
        let simulated = clock.now
        let result = RunResult.evaluate(run, outcome: outcome)
        let checked = clock.now
        func ms(_ d: Duration) -> Double { Double(d.nanosecondsClamped) / 1e6 }
        let simMS = ms(started.duration(to: simulated)), wallMS = ms(started.duration(to: checked))
        let virtualMS = ms(result.virtualTime)
        // Wall time is measured here, in the command-line tool: the simulator never reads it.
        let extra: [(String, Double)] = [("wall_ms", wallMS), ("simulation_wall_ms", simMS),
                                         ("checks_wall_ms", wallMS - simMS),
                                         ("speedup", wallMS > 0 ? virtualMS / wallMS : 0),
                                         ("simulation_speedup", simMS > 0 ? virtualMS / simMS : 0)]
        emit(result, experiment: experiment, traceLines: nil,
             report: { RunReport(run: run, result: result) }, extra: extra, args: args)
        return result.passed ? 0 : 1
    }

    /// Prints a result (or its JSON) and writes `--out` files: the same contract for every transport.
    /// `traceLines` nil: `trace.jsonl` was written as the run went.
    static func emit(_ result: RunResult, experiment: Experiment, traceLines: (() -> String)?, report: () -> RunReport,
                     extra: [(String, Double)], args: ParsedArguments) {
        if let dir = args.value("--out") {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try result.json(extraMetrics: extra).write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
                if let traceLines { try traceLines().write(toFile: dir + "/trace.jsonl", atomically: true, encoding: .utf8) }
                try report().write(to: dir)
            } catch {
                fail("run: cannot write to '\(dir)': \(error.localizedDescription)")
            }
        }
        if args.has("--json") {
            print(result.json(extraMetrics: extra))
        } else {
            print("\(experiment.name): \(experiment.cluster.frontends) frontends, \(experiment.workload.clients) clients, "
                  + "\(experiment.faults.count) faults, seed \(result.seed)")
            for c in result.checks { print("  \(c.passed ? "✓" : "✗") \(c.name): \(c.detail)") }
            print("metrics:")
            for (k, v) in result.metrics + extra { print("  \(k) = \(format(v))") }
            print(result.summaryLine)
        }
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3f", v)
    }
}
