import Foundation

/// What one shard of a `sweep` or `swarm` found, as the JSON file it writes (`--shard I/N`):
/// which run it was a share of, and every seed's outcome with the command that reproduces a
/// failure on any machine. `simctl merge` reads these files back (``ShardMerge``).
package struct ShardResult: Sendable, Equatable, Codable {
    /// The file format this version writes and reads.
    package static let currentFormat = "clustersim-shard-result/1"

    /// One seed's outcome.
    package struct Entry: Sendable, Equatable, Codable {
        /// The seed.
        package var seed: UInt64
        /// `pass`, `fail` (a check failed) or `broken` (the run itself went wrong).
        package var result: String
        /// The trace hash, when the run reported one.
        package var trace: String?
        /// The failing checks (`fail` only).
        package var failedChecks: [FailedCheck]?
        /// What went wrong (`broken` only).
        package var problem: String?
        /// The shell command that reproduces the failure (not for `pass`).
        package var reproduce: String?

        /// Whether the seed passed.
        package var passed: Bool { result == "pass" }

        /// The entry of `outcome`, with `reproduce` the command to print when it did not pass.
        package init(_ outcome: SeedOutcome, reproduce: String) {
            seed = outcome.seed
            trace = outcome.traceHash
            switch outcome.verdict {
            case .passed: result = "pass"
            case .failed(let checks):
                result = "fail"
                failedChecks = checks.map { FailedCheck(name: $0.name, detail: $0.detail) }
            case .broken(let why):
                result = "broken"
                problem = why
            }
            if !outcome.passed { self.reproduce = reproduce }
        }
    }

    /// A failing check's name and detail.
    package struct FailedCheck: Sendable, Equatable, Codable {
        /// The check's name.
        package var name: String
        /// Its one-line detail.
        package var detail: String
    }

    /// ``currentFormat`` for a file this version wrote.
    package var format: String
    /// `sweep` or `swarm`.
    package var command: String
    /// What ran: the experiment file of a sweep; `faults=KINDS scale=S` for a swarm.
    package var target: String
    /// The whole seed range the shards share (`A-B`).
    package var seeds: String
    /// This shard's index (from 0) and the number of shards.
    package var shardIndex: Int, shardCount: Int
    /// This shard's block of the range (`A-B`).
    package var shardSeeds: String
    /// Every seed of the block, in seed order.
    package var outcomes: [Entry]

    /// Makes the result of `shard` of `seeds`.
    package init(command: String, target: String, seeds: SeedRange, shard: SeedShard, shardSeeds: SeedRange, outcomes: [Entry]) {
        format = Self.currentFormat
        self.command = command
        self.target = target
        self.seeds = seeds.text
        shardIndex = shard.index
        shardCount = shard.count
        self.shardSeeds = shardSeeds.text
        self.outcomes = outcomes
    }

    /// The file's text: pretty-printed JSON, keys sorted.
    package func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a shard result file.
    /// - Throws: ``ShardMergeError`` naming the file when it cannot be read or is not a shard result.
    package static func load(path: String) throws(ShardMergeError) -> ShardResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShardMergeError(description: "\(path): cannot read the file")
        }
        let result: ShardResult
        do {
            result = try JSONDecoder().decode(ShardResult.self, from: data)
        } catch {
            throw ShardMergeError(description: "\(path): not a shard result file (written by 'sweep' or 'swarm' with --shard)")
        }
        guard result.format == currentFormat else {
            throw ShardMergeError(description: "\(path): format '\(result.format)', expected '\(currentFormat)'")
        }
        return result
    }
}

/// Shard result files that do not combine into one verdict.
package struct ShardMergeError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, naming the files.
    package let description: String
}

/// Combines the result files of every shard of one `sweep` or `swarm` into one verdict.
package struct ShardMerge: Sendable {
    /// What ran (from the files).
    package let command: String, target: String, seeds: String, shardCount: Int
    /// Every seed's outcome, in seed order.
    package let outcomes: [ShardResult.Entry]

    /// The seeds that did not pass, in seed order.
    package var failing: [ShardResult.Entry] { outcomes.filter { !$0.passed } }

    /// Checks that `files` (path and content) are the shards `0..<N` of one run, each once and
    /// each holding exactly its block of seeds, and combines them.
    /// - Throws: ``ShardMergeError`` when there are none, when they come from different runs,
    ///   when a shard is given twice (overlap) or missing, or when a file's seeds are not its block.
    package init(_ files: [(path: String, result: ShardResult)]) throws(ShardMergeError) {
        guard let first = files.first else { throw ShardMergeError(description: "no shard result files given") }
        let f = first.result
        for (path, r) in files.dropFirst() {
            guard r.command == f.command, r.target == f.target, r.seeds == f.seeds, r.shardCount == f.shardCount else {
                throw ShardMergeError(description: "\(path) is a shard of '\(r.command) \(r.target) --seeds \(r.seeds)' "
                                      + "in \(r.shardCount) shards, but \(first.path) of '\(f.command) \(f.target) --seeds \(f.seeds)' "
                                      + "in \(f.shardCount) shards")
            }
        }
        let range: SeedRange
        do { range = try SeedRange(parsing: f.seeds) } catch {
            throw ShardMergeError(description: "\(first.path): \(error)")
        }
        var byIndex: [Int: String] = [:]
        var all: [ShardResult.Entry] = []
        for (path, r) in files {
            if let other = byIndex[r.shardIndex] {
                throw ShardMergeError(description: "shard \(r.shardIndex)/\(r.shardCount) is given twice (overlapping): \(other) and \(path)")
            }
            byIndex[r.shardIndex] = path
            let block: SeedRange
            do { block = try SeedShard(index: r.shardIndex, count: r.shardCount).seeds(of: range) } catch {
                throw ShardMergeError(description: "\(path): \(error)")
            }
            guard r.outcomes.map(\.seed) == Array(block) else {
                throw ShardMergeError(description: "\(path): shard \(r.shardIndex)/\(r.shardCount) must hold seeds \(block.text) "
                                      + "each once, in order, but holds \(r.outcomes.count) other outcomes")
            }
            all += r.outcomes
        }
        let missing = (0..<f.shardCount).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            let shown = missing.prefix(10).map { "\($0)/\(f.shardCount)" }.joined(separator: ", ")
            throw ShardMergeError(description: "\(missing.count) of \(f.shardCount) shards missing: \(shown)"
                                  + (missing.count > 10 ? ", …" : ""))
        }
        command = f.command
        target = f.target
        seeds = f.seeds
        shardCount = f.shardCount
        outcomes = all.sorted { $0.seed < $1.seed }
    }
}
