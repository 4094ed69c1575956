import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `simctl sweep FILE --seeds A-B [--jobs N]`: run an experiment on many seeds in parallel processes.
enum SweepCommand: Command {
    static let name = "sweep"
    static let summary = "Run an experiment on every seed of a range, in parallel processes"
    static let help = """
    USAGE: simctl sweep FILE --seeds A-B [--jobs N] [--shard I/N [--result FILE]]

    Runs the experiment FILE once per seed from A to B (inclusive), each run a child process
    'simctl run FILE --seed S --json' of this same executable, up to N at once. Shows a progress bar
    on a terminal and one line per seed otherwise; then every failing seed with its failing checks
    and the exact command that reproduces it, and a summary line.

    OPTIONS:
      --seeds A-B   The seeds to run (also a single seed, 'A').
      --jobs N      Runs at once (default: the number of active processors).
      --shard I/N   Run only shard I (from 0) of N of the seed range: the I-th of N contiguous blocks,
                    the same split on every machine. Writes the shard's result file for 'simctl merge'.
      --result FILE Where the shard's result file goes (default sweep-shard-I-of-N.json).
      -h, --help    Show this help.

    The last line is 'sweep: seeds=A-B passed=N failed=N jobs=N wall=Ts'.
    Exit status: 0 every seed passed, 1 a seed failed (or its run broke), 2 bad file or arguments.

    """
    static let spec = ArgumentSpec(valued: ["--seeds", "--jobs", "--shard", "--result"], positionals: 1...1,
                                   positionalNames: ["FILE"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let path = args.positionals[0]
        do {
            _ = try Experiment.load(path: path)
        } catch {
            printError("\(path): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s"):")
            for issue in error.issues { printError("  \(issue)") }
            return 2
        }
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
        let display = SweepDisplay(total: seeds.count, terminal: isatty(1) != 0)
        print("sweep \(path): seeds \(seeds.text) (\(seeds.count) runs"
              + (sharding.map { ", shard \($0.shard.text) of \(allSeeds.text)" } ?? "") + "), \(jobs) at once"
              + (bugs.isEmpty ? "" : ", planted: \(bugs.switchValue)"))
        let (outcomes, wall) = display.runChildren(executable, seeds: seeds, jobs: jobs) { seed in
            ["run", path, "--seed", "\(seed)", "--json"]
        }
        let failing = outcomes.filter { !$0.passed }
        let command = CommandLine.arguments[0]
        func reproduce(_ seed: UInt64) -> String { "\(bugs.commandPrefix)\(command) run \(shellQuoted(path)) --seed \(seed)" }
        if let sharding {
            let entries = outcomes.map { ShardResult.Entry($0, reproduce: reproduce($0.seed)) }
            let result = ShardResult(command: "sweep", target: path, seeds: allSeeds, shard: sharding.shard, shardSeeds: seeds,
                                     outcomes: entries)
            guard sharding.write(result) else { return 2 }
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
        return failing.isEmpty ? 0 : 1
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
    private var failed = 0
    private var drawn = false

    init(total: Int, terminal: Bool) {
        self.total = total
        self.terminal = terminal
    }

    /// Draws the empty bar on a terminal.
    func start() {
        guard terminal else { return }
        FileHandle.standardOutput.write(Data(("[" + String(repeating: ".", count: 30) + "] 0/\(total)").utf8))
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
            print("[\(finished)/\(total)] seed \(outcome.seed): \(state)")
            fflush(nil)
            return
        }
        var text = "\r\u{1B}[K"
        if !outcome.passed { text += "seed \(outcome.seed): \(state)\n" }
        let width = 30
        let full = total == 0 ? width : finished * width / total
        let eta = finished == 0 ? 0 : seconds / Double(finished) * Double(total - finished)
        text += "[" + String(repeating: "#", count: full) + String(repeating: ".", count: width - full) + "] "
        text += "\(finished)/\(total)  failed \(failed)  " + String(format: "%.1fs, about %.0fs left", seconds, eta)
        FileHandle.standardOutput.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
