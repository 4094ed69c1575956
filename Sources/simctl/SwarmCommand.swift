import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `simctl swarm --seeds A-B`: swarm testing — every seed draws a whole experiment (cluster,
/// workload, network, timing, faults) and runs it with every check, in parallel processes.
enum SwarmCommand: Command {
    static let name = "swarm"
    static let summary = "Draw a random experiment per seed and run each with every check (swarm testing)"
    static var help: String { """
    USAGE: simctl swarm --seeds A-B [--jobs N] [--faults KINDS] [--out DIR] [--small] [--shard I/N [--result FILE]] [overrides]
           simctl swarm --print-experiment SEED [--faults KINDS] [--small] [overrides]

    Swarm testing: each seed from A to B draws its own experiment from a seeded generator — 1-5
    frontends, a gateway or not, a chat node or not, 5-60 clients with random request, push and chat
    rates, duplicate logins and attackers, a network with any latency distribution, loss and
    duplication up to 5% and link overrides, protocol timers, and a schedule of faults on every
    role (crash and restart, symmetric and one-way partitions, pauses, clock offsets within the
    token leeway), all inside 'duration', then at least 15s of settle. Each experiment runs with
    every check in a child process of this executable, up to N at once (as 'sweep'). For each
    failing seed it writes the drawn experiment to DIR/seed-N.json and prints its failing checks
    and the command that reproduces it ('simctl run DIR/seed-N.json'). At the end: how often each
    fault kind, role and feature was drawn, the failing checks, and a summary line.

    OPTIONS:
      --seeds A-B              The seeds to draw and run (also a single seed, 'A').
      --jobs N                 Runs at once (default: the number of active processors).
      --faults KINDS           Fault kinds to draw, comma-separated: crash, partition, pause, clock
                               (default all; 'none' for no faults). Other draws stay the same.
      --out DIR                Where failing experiments are written (default ./swarm-failures);
                               it must not be a file (checked before the first run).
      --small                  Small experiments: 1-2 frontends, 3-8 clients, 8-15s (quick).
      --shard I/N              Run only shard I (from 0) of N of the seed range (the I-th of N
                               contiguous blocks) and write its result file for 'simctl merge'.
      --result FILE            Where the shard's result file goes (default swarm-shard-I-of-N.json).
      --print-experiment SEED  Print the experiment SEED draws, as an experiment file, and exit.
    \(OverrideOptions.help(column: 27))
                               Overrides change every drawn experiment (checked on the first seed).
      -h, --help               Show this help.

    The last line is 'swarm: seeds=A-B passed=N failed=N jobs=N faults=KINDS wall=Ts'.
    Exit status: 0 every seed passed, 1 a seed failed a check, 2 bad arguments, 3 a seed's run
    broke (or a failing experiment could not be written).

    """ }
    static let spec = ArgumentSpec(valued: ["--seeds", "--jobs", "--faults", "--out", "--print-experiment", "--run-seed",
                                            "--shard", "--result"],
                                   flags: ["--small"]).withOverrides()

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        let generator: SwarmGenerator
        do {
            let kinds = try args.value("--faults").map { text throws(SwarmFaultKindError) in try SwarmFaultKind.parseList(text) }
            generator = SwarmGenerator(kinds: kinds ?? SwarmFaultKind.allCases, scale: args.has("--small") ? .small : .standard)
        } catch {
            fail("swarm: --faults: \(error)", hint: "Try 'simctl swarm --help'.")
        }
        let overrides = args.overridesOrExit(name)
        if let text = args.value("--print-experiment") {
            let drawn = generator.experiment(seed: seed(text, option: "--print-experiment"))
            let changed = applying(overrides, to: drawn)
            print(changed.jsonText(), terminator: "")
            do {
                try changed.validate()
            } catch {
                printError("simctl: swarm: the drawn experiment is not valid (a bug of the generator): \(error)")
                return ExitStatus.broken
            }
            return ExitStatus.success
        }
        if let text = args.value("--run-seed") {
            return runOne(applying(overrides, to: generator.experiment(seed: seed(text, option: "--run-seed"))))
        }
        guard let seedText = args.value("--seeds") else { fail("swarm: missing option '--seeds A-B'", hint: "Try 'simctl swarm --help'.") }
        let allSeeds: SeedRange, seeds: SeedRange, jobs: Int, bugs: PlantedBugs, sharding: ShardOptions?
        do {
            allSeeds = try SeedRange(parsing: seedText)
            sharding = try ShardOptions.parse(args, command: "swarm")
            seeds = try sharding?.shard.seeds(of: allSeeds) ?? allSeeds
            jobs = try args.integer("--jobs", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...1024)
            bugs = try PlantedBugs.fromEnvironment()
        } catch {
            fail("swarm: \(error)", hint: "Try 'simctl swarm --help'.")
        }
        _ = applying(overrides, to: generator.experiment(seed: seeds.lower))
        let out = args.value("--out") ?? "swarm-failures"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            fail("swarm: --out: '\(out)' exists and is a file; give a directory (new or existing)")
        }
        return SwarmRun(generator: generator, seeds: seeds, jobs: jobs, bugs: bugs, out: out, overrides: overrides,
                        sharding: sharding, allSeeds: allSeeds).run()
    }

    /// `drawn` with `overrides` applied, or exit 2 naming the paths that do not fit.
    static func applying(_ overrides: [ExperimentOverride], to drawn: Experiment) -> Experiment {
        do {
            return try drawn.applying(overrides)
        } catch {
            for issue in error.issues { printError("simctl: swarm: \(issue)") }
            exit(ExitStatus.usage)
        }
    }

    /// The seed in `text`, or exit 2 naming `option`.
    private static func seed(_ text: String, option: String) -> UInt64 {
        guard let s = parseSeed(text) else {
            fail("swarm: option '\(option)' expects a seed from 0 to \(UInt64.max), got '\(text)'", hint: "Try 'simctl swarm --help'.")
        }
        return s
    }

    /// The child process's job (internal `--run-seed`): run the drawn experiment exactly as
    /// 'simctl run FILE --json' would run its file (encoded and read back), print the JSON result.
    /// - Returns: 0 when every check passed, 1 otherwise.
    private static func runOne(_ drawn: Experiment) -> Int32 {
        let experiment: Experiment
        do {
            experiment = try Experiment.parse(drawn.jsonText())
        } catch {
            fail("swarm: the drawn experiment does not read back: \(error)")
        }
        let run = ClusterRun(experiment: experiment, seed: experiment.seed)
        do { run.plantedBugs = try PlantedBugs.fromEnvironment() } catch { fail("swarm: \(error)") }  // test-only
        let result = RunResult.evaluate(run, outcome: run.run())
        print(result.json())
        return result.passed ? 0 : 1
    }
}
