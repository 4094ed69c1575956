import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One swarm: runs every seed's drawn experiment in a child process, writes the failing ones and
/// prints the coverage table and the summary.
struct SwarmRun {
    let generator: SwarmGenerator
    let seeds: SeedRange
    let jobs: Int
    let bugs: PlantedBugs
    /// The directory for failing experiments.
    let out: String
    /// Changes made to every drawn experiment (`--set`, `--duration` …).
    var overrides: [ExperimentOverride] = []

    /// The experiment `seed` draws, with the overrides applied (as drawn when they do not fit it:
    /// its run then broke, and says why).
    func experiment(seed: UInt64) -> Experiment {
        let drawn = generator.experiment(seed: seed)
        return (try? drawn.applying(overrides)) ?? drawn
    }

    /// The shard this process runs of `allSeeds` (`seeds` is its block), if sharded.
    var sharding: ShardOptions? = nil
    var allSeeds: SeedRange? = nil

    /// The kinds as `--faults` takes them (`none` for no faults).
    var kindsText: String { generator.kinds.isEmpty ? "none" : generator.kinds.map(\.rawValue).joined(separator: ",") }

    /// Runs the swarm.
    /// - Returns: 0 when every seed passed, 1 otherwise (2 when a failing file cannot be written).
    func run() -> Int32 {
        let executable = ChildProcess.currentExecutable
        var childArguments = ["--faults", kindsText] + overrides.flatMap { ["--set", $0.description] }
        if generator.scale == .small { childArguments.append("--small") }
        let display = SweepDisplay(total: seeds.count, terminal: isatty(1) != 0 && isatty(2) != 0)
        print("swarm: seeds \(seeds.text) (\(seeds.count) experiments"
              + (sharding.map { ", shard \($0.shard.text) of \(allSeeds?.text ?? "")" } ?? "") + "), \(jobs) at once, faults \(kindsText), scale \(generator.scale.rawValue)"
              + (bugs.isEmpty ? "" : ", planted: \(bugs.switchValue)"))
        let arguments = childArguments
        let (outcomes, wall) = display.runChildren(executable, seeds: seeds, jobs: jobs) { seed in
            ["swarm", "--run-seed", "\(seed)"] + arguments
        }
        if let sharding, let allSeeds {
            let entries = outcomes.map { ShardResult.Entry($0, reproduce: portableReproduction($0.seed)) }
            let result = ShardResult(command: "swarm", target: "faults=\(kindsText) scale=\(generator.scale.rawValue)",
                                     seeds: allSeeds, shard: sharding.shard, shardSeeds: seeds, outcomes: entries)
            guard sharding.write(result) else { return 2 }
        }
        var tally = SwarmTally()
        for seed in seeds { tally.add(experiment(seed: seed)) }
        let failing = outcomes.filter { !$0.passed }
        if !failing.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                printError("simctl: swarm: cannot create '\(out)': \(error.localizedDescription)")
                return ExitStatus.broken
            }
            print("failing seeds:")
        }
        var failedChecks: [String: Int] = [:]
        for o in failing {
            let file = (out as NSString).appendingPathComponent("seed-\(o.seed).json")
            do {
                try experiment(seed: o.seed).jsonText().write(toFile: file, atomically: true, encoding: .utf8)
            } catch {
                printError("simctl: swarm: cannot write '\(file)': \(error.localizedDescription)")
                return ExitStatus.broken
            }
            switch o.verdict {
            case .passed: break
            case .failed(let checks):
                print("  seed \(o.seed): " + checks.map(\.name).joined(separator: ", "))
                for c in checks {
                    print("    ✗ \(c.name): \(c.detail)")
                    failedChecks[c.name, default: 0] += 1
                }
            case .broken(let why):
                print("  seed \(o.seed): run broke: \(why)")
                failedChecks["(run broke)", default: 0] += 1
            }
            print("    reproduce: \(bugs.commandPrefix)\(CommandLine.arguments[0]) run \(shellQuoted(file))")
        }
        for line in tally.lines() { print(line) }
        if !failedChecks.isEmpty {
            print("failed checks (seeds failing each):")
            let width = max(20, failedChecks.keys.map(\.count).max() ?? 0)
            for name in failedChecks.keys.sorted() {
                print("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "%11d", failedChecks[name]!))
            }
        }
        let seconds = Double(wall.nanosecondsClamped) / 1e9
        print("swarm: seeds=\(seeds.text) passed=\(outcomes.count - failing.count) failed=\(failing.count) jobs=\(jobs) "
              + "faults=\(kindsText) wall=" + String(format: "%.2f", seconds) + "s")
        if failing.contains(where: { if case .broken = $0.verdict { true } else { false } }) { return ExitStatus.broken }
        return failing.isEmpty ? ExitStatus.success : ExitStatus.failed
    }

    /// The commands that reproduce seed `seed` on any machine: draw its experiment into a file, run it.
    private func portableReproduction(_ seed: UInt64) -> String {
        let simctl = "\(bugs.commandPrefix)\(CommandLine.arguments[0])"
        let small = generator.scale == .small ? " --small" : ""
        return "\(CommandLine.arguments[0]) swarm --print-experiment \(seed) --faults \(kindsText)\(small) > seed-\(seed).json"
            + " && \(simctl) run seed-\(seed).json"
    }
}
