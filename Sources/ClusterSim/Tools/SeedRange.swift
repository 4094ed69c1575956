/// A `--seeds` argument that is not a seed range.
package struct SeedRangeError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, naming the text given.
    package let description: String
}

/// An inclusive range of run seeds, written `A-B` (`1-200`) or a single seed `A`.
package struct SeedRange: Sendable, Equatable, Sequence {
    /// The first seed.
    package let lower: UInt64
    /// The last seed (included).
    package let upper: UInt64

    /// The most seeds one range may hold.
    package static let maximumCount: UInt64 = 1_000_000

    /// Makes the range `lower...upper`.
    /// - Throws: ``SeedRangeError`` when `upper < lower` or the range holds more than
    ///   ``maximumCount`` seeds.
    package init(_ lower: UInt64, _ upper: UInt64) throws(SeedRangeError) {
        guard lower <= upper else {
            throw SeedRangeError(description: "seed range \(lower)-\(upper) is empty: the first seed must not be above the last")
        }
        guard upper - lower < Self.maximumCount else {
            throw SeedRangeError(description: "seed range \(lower)-\(upper) holds more than \(Self.maximumCount) seeds")
        }
        self.lower = lower
        self.upper = upper
    }

    /// Parses `A-B` or `A` (non-negative integers, `_` allowed as a digit separator).
    /// - Throws: ``SeedRangeError`` saying what was expected and what was found.
    package init(parsing text: String) throws(SeedRangeError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func seed(_ s: Substring) -> UInt64? { UInt64(s.replacingOccurrences(of: "_", with: "")) }
        guard (1...2).contains(parts.count), let a = seed(parts[0]), let b = seed(parts.last!) else {
            throw SeedRangeError(description: "expected a seed range like '1-200' (or one seed like '7'), got '\(text)'")
        }
        try self.init(a, b)
    }

    /// How many seeds.
    package var count: Int { Int(upper - lower) + 1 }

    /// The seeds in order.
    package func makeIterator() -> ClosedRange<UInt64>.Iterator { (lower...upper).makeIterator() }

    /// `A-B`, or `A` for one seed.
    package var text: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }
}
