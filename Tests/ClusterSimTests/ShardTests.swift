import Foundation
import Testing
@testable import ClusterSim

@Suite("sweep and swarm in shards, and simctl merge")
struct ShardTests {
    @Test("the shards of a range are contiguous blocks that hold each seed once, sizes within one",
          arguments: [(1 as UInt64, 10 as UInt64, 3), (5, 5, 1), (0, 99, 7), (1, 4, 4), (1_000, 1_999, 64)])
    func blocks(lower: UInt64, upper: UInt64, count: Int) throws {
        let range = try SeedRange(lower, upper)
        let blocks = try (0..<count).map { try SeedShard(index: $0, count: count).seeds(of: range) }
        #expect(blocks.flatMap { Array($0) } == Array(range))
        let sizes = blocks.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(sizes == sizes.sorted(by: >), "the longer blocks come first")
    }

    @Test("a malformed shard, or more shards than seeds, is refused with what was wrong",
          arguments: ["", "1", "4/4", "-1/4", "0/0", "a/b", "1/2/3", "0/100001"])
    func badShard(text: String) {
        #expect(throws: SeedShardError.self) { try SeedShard(parsing: text) }
    }

    @Test("more shards than seeds is refused")
    func tooManyShards() throws {
        let shard = try SeedShard(parsing: "0/5")
        #expect(throws: SeedShardError.self) { try shard.seeds(of: try SeedRange(1, 4)) }
    }

    /// The result file of shard `index` of `count` over seeds 1-6, failing the seeds in `failing`.
    static func result(_ index: Int, of count: Int, failing: Set<UInt64> = [], seeds: String = "1-6",
                       target: String = "x.json") throws -> ShardResult {
        let range = try SeedRange(parsing: seeds)
        let shard = try SeedShard(index: index, count: count)
        let block = try shard.seeds(of: range)
        let entries = block.map { seed in
            ShardResult.Entry(SeedOutcome(seed: seed, verdict: failing.contains(seed)
                                          ? .failed([CheckResult(name: "liveness", passed: false, detail: "client-1")]) : .passed,
                                          traceHash: "00"), reproduce: "simctl run x.json --seed \(seed)")
        }
        return ShardResult(command: "sweep", target: target, seeds: range, shard: shard, shardSeeds: block, outcomes: entries)
    }

    @Test("a result file reads back as written")
    func roundTrip() throws {
        let r = try Self.result(1, of: 2, failing: [5])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try r.jsonText().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ShardResult.load(path: path) == r)
    }

    @Test("every shard once: one verdict with the failing seeds, in seed order")
    func merges() throws {
        let merged = try ShardMerge([("b", try Self.result(1, of: 2, failing: [5])), ("a", try Self.result(0, of: 2, failing: [2]))])
        #expect(merged.outcomes.map(\.seed) == Array(1...6))
        #expect(merged.failing.map(\.seed) == [2, 5])
        #expect(merged.failing.first?.reproduce == "simctl run x.json --seed 2")
    }

    @Test("a shard given twice, a shard missing, or shards of different runs are refused, naming the files")
    func refuses() throws {
        let twice = #expect(throws: ShardMergeError.self) {
            try ShardMerge([("a", try Self.result(0, of: 2)), ("b", try Self.result(0, of: 2)), ("c", try Self.result(1, of: 2))])
        }
        #expect(twice?.description.contains("given twice") == true && twice?.description.contains("a and b") == true)
        let missing = #expect(throws: ShardMergeError.self) {
            try ShardMerge([("a", try Self.result(0, of: 3)), ("c", try Self.result(2, of: 3))])
        }
        #expect(missing?.description.contains("1 of 3 shards missing: 1/3") == true)
        let other = #expect(throws: ShardMergeError.self) {
            try ShardMerge([("a", try Self.result(0, of: 2)), ("b", try Self.result(1, of: 2, target: "y.json"))])
        }
        #expect(other?.description.contains("b is a shard of") == true)
        var wrongBlock = try Self.result(1, of: 2)
        wrongBlock.outcomes.removeLast()
        #expect(throws: ShardMergeError.self) { try ShardMerge([("a", try Self.result(0, of: 2)), ("b", wrongBlock)]) }
        #expect(throws: ShardMergeError.self) { try ShardMerge([]) }
    }

    /// The outputs of the built simctl for the through-the-binary tests, each run off the pool.
    static func simctlOutputs(_ runs: [(arguments: [String], environment: [String: String])]) async throws -> [ChildProcess.Output] {
        let binary = try #require(builtSimctl()).path
        return try await offThePool { try runs.map { try ChildProcess.run(binary, $0.arguments, environment: $0.environment) } }
    }

    @Test("through the built simctl: two shards of a sweep on two 'machines', merged: the failing seeds and exit 1")
    func sweepShardsMerge() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = (0..<2).map { dir + "/shard-\($0).json" }
        let shardRuns = (0..<2).map { index in
            (["sweep", plantedFixture, "--seeds", "1-4", "--jobs", "2", "--shard", "\(index)/2", "--result", files[index]],
             plantStaleLogout)
        }
        let outs = try await Self.simctlOutputs(shardRuns + [
            (["merge"] + files, [:]),
            (["sweep", plantedFixture, "--seeds", "1-4", "--jobs", "2"], plantStaleLogout),
            (["merge", files[1]], [:]),
            (["merge", files[0], files[0], files[1]], [:]),
            (["sweep", plantedFixture, "--seeds", "1-4", "--shard", "2/2"], [:]),
        ])
        for index in 0..<2 {
            let out = outs[index]
            #expect(out.status == 0 || out.status == 1, "\(out.stdout)\(out.stderr)")
            #expect(out.stdout.contains("seeds \(index == 0 ? "1-2" : "3-4") (2 runs, shard \(index)/2 of 1-4)"), "\(out.stdout)")
        }
        let (merged, direct, incomplete, overlapping, badShard) = (outs[2], outs[3], outs[4], outs[5], outs[6])
        #expect(merged.status == direct.status, "\(merged.stdout)\(merged.stderr)")
        let failed = direct.stdout.split(separator: "\n").filter { $0.hasPrefix("  seed ") }
        #expect(!failed.isEmpty)
        #expect(merged.stdout.split(separator: "\n").filter { $0.hasPrefix("  seed ") } == failed)
        #expect(merged.stdout.contains("reproduce: CLUSTERSIM_PLANT=session-ignores-connection "))
        let last = try #require(merged.stdout.split(separator: "\n").last)
        #expect(last == "merge: sweep seeds=1-4 shards=2 passed=\(4 - failed.count) failed=\(failed.count)")
        #expect(incomplete.status == 2 && incomplete.stderr.contains("1 of 2 shards missing: 0/2"), "\(incomplete.stderr)")
        #expect(overlapping.status == 2 && overlapping.stderr.contains("given twice"))
        #expect(badShard.status == 2 && badShard.stderr.contains("shard index 2 must be from 0 to 1"), "\(badShard.stderr)")
    }

    @Test("through the built simctl: a swarm shard writes a result file whose failures reproduce anywhere")
    func swarmShard() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-shards-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/s.json"
        let out = try await Self.simctlOutputs([(["swarm", "--seeds", "1-2", "--small", "--faults", "none", "--jobs", "2",
                                                  "--shard", "1/2", "--result", file, "--out", dir + "/failures"], [:])])[0]
        #expect(out.status == 0 || out.status == 1, "\(out.stdout)\(out.stderr)")
        let result = try ShardResult.load(path: file)
        #expect(result.command == "swarm" && result.target == "faults=none scale=small")
        #expect(result.outcomes.map(\.seed) == [2] && result.shardSeeds == "2" && result.seeds == "1-2")
    }
}
