import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `simctl sweep FILE --seeds A-B [--jobs N]`: run an experiment on many seeds in parallel processes.
enum SweepCommand: Command {
    static let name = "sweep"
    static let summary = "Run an experiment on every seed of a range, in parallel processes"
    static var help: String { """
    USAGE: simctl sweep FILE --seeds A-B [--jobs N] [--json] [--shard I/N [--result FILE]] [overrides]

    Runs the experiment FILE once per seed from A to B (inclusive), each run a child process
    'simctl run FILE --seed S --json' of this same executable, up to N at once. Shows a progress bar
    on a terminal and one line per seed otherwise; then every failing seed with its failing checks
    and the exact command that reproduces it, and a summary line.

    OPTIONS:
      --seeds A-B       The seeds to run (also a single seed, 'A').
      --jobs N          Runs at once (default: the number of active processors).
      --json            Print one JSON object at the end instead (file, seeds, passed, failed, broken,
                        jobs, wall_ms, and failing: a list of {seed, result, checks, reproduce});
                        progress goes to standard error.
      --shard I/N       Run only shard I (from 0) of N of the seed range: the I-th of N contiguous
                        blocks, the same split on every machine. Writes the shard's result file for
                        'simctl merge'.
      --result FILE     Where the shard's result file goes (default sweep-shard-I-of-N.json).
    \(OverrideOptions.help(column: 20))
      -h, --help        Show this help.

    The last line is 'sweep: seeds=A-B passed=N failed=N jobs=N wall=Ts'.
    Exit status: 0 every seed passed, 1 a seed failed a check, 2 bad file or arguments, 3 a seed's
    run broke (crashed, or printed no result).

    """ }
    static let spec = ArgumentSpec(valued: ["--seeds", "--jobs", "--shard", "--result"], flags: ["--json"], positionals: 1...1,
                                   positionalNames: ["FILE"]).withOverrides()

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        let path = args.positionals[0]
        let overrides = args.overridesOrExit(name)
        guard case .success = readExperiment(path, overrides: overrides) else { return ExitStatus.usage }
        let json = args.has("--json")
        guard let seedText = args.value("--seeds") else { fail("sweep: missing option '--seeds A-B'", hint: "Try 'simctl sweep --help'.") }
        let allSeeds: SeedRange, seeds: SeedRange
        let jobs: Int
        let bugs: PlantedBugs
        let sharding: ShardOptions?
        do {
            allSeeds = try SeedRange(parsing: seedText)
            sharding = try ShardOptions.parse(args, command: "sweep")
            seeds = try sharding?.shard.seeds(of: allSeeds) ?? allSeeds
            jobs = try args.integer("--jobs", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...1024)
            bugs = try PlantedBugs.fromEnvironment()
        } catch {
            fail("sweep: \(error)", hint: "Try 'simctl sweep --help'.")
        }
        let executable = ChildProcess.currentExecutable
        let display = SweepDisplay(total: seeds.count, terminal: isatty(json ? 2 : 1) != 0, toStandardError: json)
        display.write("sweep \(path): seeds \(seeds.text) (\(seeds.count) runs"
                      + (sharding.map { ", shard \($0.shard.text) of \(allSeeds.text)" } ?? "") + "), \(jobs) at once"
                      + (overrides.isEmpty ? "" : ", overrides: " + overrides.map(\.description).joined(separator: ", "))
                      + (bugs.isEmpty ? "" : ", planted: \(bugs.switchValue)") + "\n")
        let childOverrides = args.overrideArguments(overrides)
        let (outcomes, wall) = display.runChildren(executable, seeds: seeds, jobs: jobs) { seed in
            ["run", path, "--seed", "\(seed)", "--json"] + childOverrides
        }
        let failing = outcomes.filter { !$0.passed }
        let command = CommandLine.arguments[0]
        let reproduceOverrides = childOverrides.map(shellQuoted).map { " " + $0 }.joined()
        func reproduce(_ seed: UInt64) -> String {
            "\(bugs.commandPrefix)\(command) run \(shellQuoted(path)) --seed \(seed)\(reproduceOverrides)"
        }
        if let sharding {
            let entries = outcomes.map { ShardResult.Entry($0, reproduce: reproduce($0.seed)) }
            let result = ShardResult(command: "sweep", target: path, seeds: allSeeds, shard: sharding.shard, shardSeeds: seeds,
                                     outcomes: entries)
            guard sharding.write(result) else { return ExitStatus.broken }
        }
        let status = failing.contains { if case .broken = $0.verdict { true } else { false } } ? ExitStatus.broken
            : failing.isEmpty ? ExitStatus.success : ExitStatus.failed
        if json {
            print(sweepJSON(path: path, seeds: seeds, outcomes: outcomes, jobs: jobs, wall: wall) { seed in reproduce(seed) })
            return status
        }
        if !failing.isEmpty { print("failing seeds:") }
        for o in failing {
            switch o.verdict {
            case .passed: break
            case .failed(let checks):
                print("  seed \(o.seed): " + checks.map(\.name).joined(separator: ", "))
                for c in checks { print("    ✗ \(c.name): \(c.detail)") }
            case .broken(let why):
                print("  seed \(o.seed): run broke: \(why)")
            }
            print("    reproduce: \(reproduce(o.seed))")
        }
        let seconds = Double(wall.nanosecondsClamped) / 1e9
        print("sweep: seeds=\(seeds.text) passed=\(outcomes.count - failing.count) failed=\(failing.count) jobs=\(jobs) wall="
              + String(format: "%.2f", seconds) + "s")
        return status
    }

    /// The `--json` object of a sweep.
    static func sweepJSON(path: String, seeds: SeedRange, outcomes: [SeedOutcome], jobs: Int, wall: Duration,
                          reproduce: (UInt64) -> String) -> String {
        let failing = outcomes.filter { !$0.passed }
        let broken = failing.filter { if case .broken = $0.verdict { true } else { false } }.count
        let items: [JSONOut] = failing.map { o in
            var members: [(String, JSONOut)] = [("seed", .uint(o.seed))]
            switch o.verdict {
            case .passed: break
            case .failed(let checks):
                members.append(("result", .string("FAIL")))
                members.append(("checks", .array(checks.map {
                    .object([("name", .string($0.name)), ("passed", .bool(false)), ("detail", .string($0.detail))])
                })))
            case .broken(let why):
                members.append(("result", .string("BROKEN")))
                members.append(("problem", .string(why)))
            }
            members.append(("reproduce", .string(reproduce(o.seed))))
            return .object(members)
        }
        return JSONOut.object([
            ("file", .string(path)), ("seeds", .string(seeds.text)), ("runs", .int(outcomes.count)),
            ("passed", .int(outcomes.count - failing.count)), ("failed", .int(failing.count - broken)), ("broken", .int(broken)),
            ("jobs", .int(jobs)), ("wall_ms", .number(Double(wall.nanosecondsClamped) / 1e6)), ("failing", .array(items)),
        ]).text
    }
}

/// `text` quoted for a POSIX shell when it needs it.
func shellQuoted(_ text: String) -> String {
    let plain = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:,+@%".unicodeScalars.contains($0) }
    return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// The sweep's progress: a bar redrawn in place on a terminal, plain lines otherwise. Called one
/// report at a time (the sweep serialises them).
extension SweepDisplay {
    /// Runs `executable` with `arguments(seed)` for every seed, `jobs` at once, showing progress.
    /// - Returns: each seed's outcome, in seed order, and the wall time.
    func runChildren(_ executable: String, seeds: SeedRange, jobs: Int,
                     arguments: @escaping @Sendable (UInt64) -> [String]) -> (outcomes: [SeedOutcome], wall: Duration) {
        start()
        let clock = ContinuousClock()
        let started = clock.now
        let outcomes = SeedSweep.run(seeds: seeds, jobs: jobs, { seed in
            do {
                return SeedOutcome.fromRun(seed: seed, try ChildProcess.run(executable, arguments(seed)))
            } catch {
                return SeedOutcome(seed: seed, verdict: .broken("\(error)"))
            }
        }, progress: { outcome, finished in
            self.show(outcome, finished: finished, elapsed: started.duration(to: clock.now))
        })
        finish()
        return (outcomes, started.duration(to: clock.now))
    }
}

final class SweepDisplay: @unchecked Sendable {
    let total: Int
    let terminal: Bool
    /// Whether progress goes to standard error (`--json`: standard output holds only the JSON).
    let toStandardError: Bool
    private var failed = 0
    private var drawn = false

    init(total: Int, terminal: Bool, toStandardError: Bool = false) {
        self.total = total
        self.terminal = terminal
        self.toStandardError = toStandardError
    }

    /// Writes `text` where the progress goes.
    func write(_ text: String) {
        if !toStandardError { fflush(nil) }
        (toStandardError ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
    }

    /// Draws the empty bar on a terminal.
    func start() {
        guard terminal else { return }
        write("[" + String(repeating: ".", count: 30) + "] 0/\(total)")
        drawn = true
    }

    func show(_ outcome: SeedOutcome, finished: Int, elapsed: Duration) {
        if !outcome.passed { failed += 1 }
        let state: String
        switch outcome.verdict {
        case .passed: state = "PASS"
        case .failed(let checks): state = "FAIL " + checks.map(\.name).joined(separator: ", ")
        case .broken(let why): state = "BROKEN " + why
        }
        let seconds = Double(elapsed.nanosecondsClamped) / 1e9
        if !terminal {
            write("[\(finished)/\(total)] seed \(outcome.seed): \(state)\n")
            return
        }
        var text = "\r\u{1B}[K"
        if !outcome.passed { text += "seed \(outcome.seed): \(state)\n" }
        let width = 30
        let full = total == 0 ? width : finished * width / total
        let eta = finished == 0 ? 0 : seconds / Double(finished) * Double(total - finished)
        text += "[" + String(repeating: "#", count: full) + String(repeating: ".", count: width - full) + "] "
        text += "\(finished)/\(total)  failed \(failed)  " + String(format: "%.1fs, about %.0fs left", seconds, eta)
        write(text)
        drawn = true
    }

    func finish() {
        if drawn { write("\n") }
    }
}
