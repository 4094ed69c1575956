import ClusterSim
import Foundation
import NetModel

/// `simctl run FILE`: run an experiment and check it.
enum RunCommand: Command {
    static let name = "run"
    static let summary = "Run an experiment (simulated, or over TCP) and check it"
    static var help: String { """
    USAGE: simctl run FILE... [--seed N] [--transport sim|tcp] [--out DIR [--trace none|jsonl|perfetto|all]] [--json] [overrides]

    Runs the experiment FILE (see docs/experiment-reference.md): the cluster, its workload and its
    faults, for `duration` and then `settle` of virtual time; then runs its checks. Several FILEs
    are all read first (a bad one stops everything before a run), then run one after another.

    OPTIONS:
      --seed N          Run seed, 0 to 18446744073709551615 (default: the file's "seed", else 1).
      --transport T     sim (default): the deterministic simulated network. tcp: real time, every
                        node on real loopback sockets in this process (docs/real-cluster.md); the
                        'network' section is ignored (a note says so), every fault is honoured.
                        Progress lines go to standard error while it runs.
      --out DIR         Also write DIR/summary.json and the reports DIR/report.html and DIR/report.md.
                        DIR must not be a file; it is checked (and made) before the run. With
                        several FILEs, each writes into DIR/STEM (STEM: the file name without .json).
      --trace T         With --out, the full trace too: none (default), jsonl (DIR/trace.jsonl),
                        perfetto (DIR/trace.perfetto.json, for Perfetto / chrome://tracing) or all.
      --json            Print one JSON object (result, seed, events, trace, checks, metrics) instead;
                        with several FILEs one object per line, each with "file" first.
    \(OverrideOptions.help(column: 20))
      -h, --help        Show this help.

    The last line of the output is 'result=PASS|FAIL seed=N events=N trace=HASH'. With several
    FILEs: one line 'FILE: result=… seed=… events=… trace=…' per file (each failing check below
    it), then 'run: files=N passed=N failed=N'.
    Exit status: 0 every check passed, 1 a check failed, 2 bad file or arguments (nothing run),
    3 the run could not finish (the TCP network did not start, --out could not be written).

    Test-only: CLUSTERSIM_PLANT=session-ignores-connection,iterate-set in the environment plants
    known bugs (used by the tests of sweep, shrink and diff; never set it otherwise).

    """ }
    static let spec = ArgumentSpec(valued: ["--seed", "--transport", "--out", "--trace"], flags: ["--json"],
                                   positionals: 1...Int.max, positionalNames: ["FILE"]).withOverrides()

    static func run(_ args: ParsedArguments) -> Int32 {
        let overrides = args.overridesOrExit(name)
        do { _ = try TraceArtifacts(parsing: args.value("--trace") ?? "none") } catch { fail("run: \(error)") }
        let seed: UInt64?
        do { seed = try args.seed() } catch { fail("run: \(error)", hint: "Try 'simctl run --help'.") }
        let transport = args.value("--transport") ?? "sim"
        guard ["sim", "tcp"].contains(transport) else { fail("run: unknown transport '\(transport)' (expected sim or tcp)") }
        // Every file is read before anything runs: a bad one costs nothing.
        var experiments: [Experiment] = []
        var bad = false
        for path in args.positionals {
            if case .success(let e) = readExperiment(path, overrides: overrides) { experiments.append(e) } else { bad = true }
        }
        if bad { return ExitStatus.usage }
        let outs = RunTargets.outputDirectories(args.value("--out"), files: args.positionals)
        for dir in outs.compactMap({ $0 }) {
            if let problem = OutputPath.directoryProblem(dir) { fail("run: --out: \(problem)") }
        }
        if experiments.count == 1 {
            return runOne(experiments[0], seed: seed, transport: transport, out: outs[0], file: nil, args: args, overrides: overrides)
        }
        return RunTargets(files: args.positionals, experiments: experiments, outs: outs, json: args.has("--json")).runAll { experiment, out, file in
            runOne(experiment, seed: seed, transport: transport, out: out, file: file, args: args, overrides: overrides)
        }
    }

    /// Runs one experiment and prints its result: the contract of `simctl run FILE`, or, when
    /// `file` is given (one of several), its one summary line.
    /// - Returns: the exit status.
    static func runOne(_ experiment: Experiment, seed: UInt64?, transport: String, out: String?, file: String?,
                       args: ParsedArguments, overrides: [ExperimentOverride]) -> Int32 {
        if file == nil, !args.has("--json"), !overrides.isEmpty {
            print("overrides: " + overrides.map(\.description).joined(separator: ", "))
        }
        if transport == "tcp" { return runOverTCP(experiment, seed: seed, out: out, file: file, args: args) }
        let clock = ContinuousClock()
        let started = clock.now
        // Only the reports of --out read the events after the run; trace.jsonl (--trace jsonl or all)
        // is written as they come.
        let traces = (try? TraceArtifacts(parsing: args.value("--trace") ?? "none")) ?? .none
        let run = ClusterRun(experiment: experiment, seed: seed, retention: out == nil ? .checks : .everything)
        do { run.plantedBugs = try PlantedBugs.fromEnvironment() } catch { fail("run: \(error)") }  // test-only
        if let out, traces.writesJSONLines {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try run.simulator.trace.writeEvents(to: out + "/trace.jsonl")
            } catch {
                fail("run: cannot write to '\(out)': \(error)", status: ExitStatus.broken)
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
             report: { RunReport(run: run, result: result) }, extra: extra, out: out, file: file, args: args)
        return result.passed ? ExitStatus.success : ExitStatus.failed
    }

    /// Prints a result (or its JSON) and writes `--out` files: the same contract for every transport.
    /// `traceLines` nil: `trace.jsonl` was written as the run went (when `--trace` asked for it).
    static func emit(_ result: RunResult, experiment: Experiment, traceLines: (() -> String)?, report: () -> RunReport,
                     extra: [(String, Double)], out: String?, file: String? = nil, args: ParsedArguments) {
        if let dir = out {
            let traces = (try? TraceArtifacts(parsing: args.value("--trace") ?? "none")) ?? .none
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try result.json(extraMetrics: extra).write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
                if traces.writesJSONLines, let traceLines {
                    try traceLines().write(toFile: dir + "/trace.jsonl", atomically: true, encoding: .utf8)
                }
                try report().write(to: dir, traces: traces)
            } catch {
                fail("run: cannot write to '\(dir)': \(error.localizedDescription)", status: ExitStatus.broken)
            }
        }
        if let file {
            RunTargets.printSummary(result, file: file, extra: extra, json: args.has("--json"))
        } else if args.has("--json") {
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
