import ClusterSim
import Foundation

/// `simctl merge FILE…`: combine the result files of the shards of one sweep or swarm.
enum MergeCommand: Command {
    static let name = "merge"
    static let summary = "Combine the result files of a sharded sweep or swarm into one verdict"
    static let help = """
    USAGE: simctl merge FILE...

    Reads the result files that 'simctl sweep ... --shard I/N' or 'simctl swarm ... --shard I/N' wrote
    (one per shard, on any machines) and combines them into one verdict: every failing seed with its
    failing checks and the command that reproduces it, and a summary line. The files must be every
    shard 0..N-1 of one run (same command, experiment or draw, seed range and N), each exactly once.
    See docs/tools.md, "Sharding".

    OPTIONS:
      -h, --help    Show this help.

    The last line is 'merge: COMMAND seeds=A-B shards=N passed=N failed=N'.
    Exit status: 0 every seed passed, 1 a seed failed (or its run broke), 2 files that are unreadable,
    from different runs, overlapping (a shard twice) or incomplete (a shard missing).

    """
    static let spec = ArgumentSpec(positionals: 1...100_000, positionalNames: ["FILE"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let merged: ShardMerge
        do {
            var files: [(path: String, result: ShardResult)] = []
            for path in args.positionals { files.append((path, try ShardResult.load(path: path))) }
            merged = try ShardMerge(files)
        } catch {
            fail("merge: \(error)")
        }
        print("merge: \(merged.command) \(merged.target), seeds \(merged.seeds) in \(merged.shardCount) shards")
        let failing = merged.failing
        if !failing.isEmpty { print("failing seeds:") }
        for entry in failing {
            if let checks = entry.failedChecks {
                print("  seed \(entry.seed): " + checks.map(\.name).joined(separator: ", "))
                for c in checks { print("    ✗ \(c.name): \(c.detail)") }
            } else {
                print("  seed \(entry.seed): run broke: \(entry.problem ?? "?")")
            }
            if let command = entry.reproduce { print("    reproduce: \(command)") }
        }
        print("merge: \(merged.command) seeds=\(merged.seeds) shards=\(merged.shardCount) "
              + "passed=\(merged.outcomes.count - failing.count) failed=\(failing.count)")
        return failing.isEmpty ? 0 : 1
    }
}

/// The `--shard I/N` and `--result FILE` options of `sweep` and `swarm`.
struct ShardOptions {
    /// The shard this process runs.
    let shard: SeedShard
    /// Where its result file goes.
    let resultPath: String

    /// The options of `args`, or nil without `--shard`.
    /// - Throws: ``UsageError`` for a malformed shard, or `--result` without `--shard`.
    static func parse(_ args: ParsedArguments, command: String) throws -> ShardOptions? {
        guard let text = args.value("--shard") else {
            if args.value("--result") != nil { throw UsageError("option '--result' goes with '--shard I/N'") }
            return nil
        }
        let shard = try SeedShard(parsing: text)
        return ShardOptions(shard: shard,
                            resultPath: args.value("--result") ?? "\(command)-shard-\(shard.index)-of-\(shard.count).json")
    }

    /// Writes the shard's result file.
    /// - Returns: false (with a message) when it cannot be written.
    func write(_ result: ShardResult) -> Bool {
        do {
            try result.jsonText().write(toFile: resultPath, atomically: true, encoding: .utf8)
            print("\(result.command): shard \(shard.text) of seeds \(result.seeds) written to \(resultPath)")
            return true
        } catch {
            printError("simctl: \(result.command): cannot write '\(resultPath)': \(error.localizedDescription)")
            return false
        }
    }
}
