/// A `--shard I/N` argument that is not a shard of the seed range.
package struct SeedShardError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, naming the text given.
    package let description: String
}

/// One machine's share of a seed range: shard `index` of `count` (`--shard I/N`, I from 0, as
/// Kubernetes' `JOB_COMPLETION_INDEX`). The range is cut into `count` contiguous blocks whose
/// sizes differ by at most one, in order: the split depends only on the range and `count`, so
/// every machine computes the same blocks, and together they hold each seed exactly once.
package struct SeedShard: Sendable, Equatable {
    /// Which shard, from 0.
    package let index: Int
    /// How many shards the range is cut into.
    package let count: Int

    /// The most shards a range may be cut into.
    package static let maximumCount = 100_000

    /// Makes shard `index` of `count`.
    /// - Throws: ``SeedShardError`` when `count` is not in 1...``maximumCount`` or `index` not in `0..<count`.
    package init(index: Int, count: Int) throws(SeedShardError) {
        guard (1...Self.maximumCount).contains(count) else {
            throw SeedShardError(description: "shard count \(count) must be from 1 to \(Self.maximumCount)")
        }
        guard (0..<count).contains(index) else {
            throw SeedShardError(description: "shard index \(index) must be from 0 to \(count - 1) (shards are numbered from 0)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (`0/4` … `3/4`).
    /// - Throws: ``SeedShardError`` saying what was expected and what was found.
    package init(parsing text: String) throws(SeedShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw SeedShardError(description: "expected a shard like '0/4' (index from 0, then the number of shards), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    /// `I/N`.
    package var text: String { "\(index)/\(count)" }

    /// This shard's seeds of `range`: the `index`-th of `count` contiguous blocks, the first
    /// `range.count % count` blocks one seed longer.
    /// - Throws: ``SeedShardError`` when the range has fewer seeds than shards (a shard would be empty).
    package func seeds(of range: SeedRange) throws(SeedShardError) -> SeedRange {
        guard range.count >= count else {
            throw SeedShardError(description: "seed range \(range.text) holds \(range.count) seeds, fewer than \(count) shards")
        }
        let base = range.count / count, extra = range.count % count
        let start = index * base + min(index, extra)
        let size = base + (index < extra ? 1 : 0)
        do {
            return try SeedRange(range.lower + UInt64(start), range.lower + UInt64(start + size - 1))
        } catch {
            preconditionFailure("a non-empty block of a valid range is a valid range: \(error)")
        }
    }
}
