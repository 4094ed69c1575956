/// Latencies counted in log-scale buckets: a small, fixed-size summary for reports.
///
/// Bucket 0 holds latencies up to 1µs; bucket k (k ≥ 1) holds those above 1µs·2^(k-1) and up to
/// 1µs·2^k. The last bucket also takes everything larger (1µs·2^39 is about six days). Negative
/// latencies count in bucket 0.
package struct LatencyHistogram: Sendable, Equatable {
    /// The number of buckets.
    package static let bucketCount = 40
    /// Count per bucket, `bucketCount` entries.
    package private(set) var counts: [Int]
    /// How many latencies were recorded.
    package private(set) var count = 0
    /// The smallest recorded latency in nanoseconds (0 when empty).
    package private(set) var minimum: Int64 = 0
    /// The largest recorded latency in nanoseconds (0 when empty).
    package private(set) var maximum: Int64 = 0

    /// An empty histogram.
    package init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// The bucket a latency falls in.
    /// - Returns: the smallest k with `nanoseconds ≤ upperBound(ofBucket: k)`, at most the last bucket.
    package static func bucket(ofNanoseconds nanoseconds: Int64) -> Int {
        if nanoseconds <= 1_000 { return 0 }
        let micros = UInt64((nanoseconds - 1) / 1_000 + 1)  // ceil(ns / 1000) ≥ 2
        return min(bucketCount - 1, 64 - (micros - 1).leadingZeroBitCount)
    }

    /// The largest latency bucket `index` holds.
    /// - Returns: 1µs·2^index in nanoseconds.
    package static func upperBound(ofBucket index: Int) -> Int64 {
        1_000 << Int64(index)
    }

    /// Counts one latency.
    package mutating func record(nanoseconds: Int64) {
        counts[Self.bucket(ofNanoseconds: nanoseconds)] += 1
        minimum = count == 0 ? nanoseconds : min(minimum, nanoseconds)
        maximum = count == 0 ? nanoseconds : max(maximum, nanoseconds)
        count += 1
    }

    /// Counts one latency.
    package mutating func record(_ latency: Duration) {
        record(nanoseconds: latency.nanosecondsClamped)
    }

    /// Adds every count of `other`.
    package mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in counts.indices { counts[i] += other.counts[i] }
        minimum = count == 0 ? other.minimum : min(minimum, other.minimum)
        maximum = count == 0 ? other.maximum : max(maximum, other.maximum)
        count += other.count
    }

    /// The non-empty buckets, smallest first.
    /// - Returns: each bucket's upper bound in nanoseconds and its count.
    package var buckets: [(upperBoundNanoseconds: Int64, count: Int)] {
        counts.indices.filter { counts[$0] > 0 }.map { (Self.upperBound(ofBucket: $0), counts[$0]) }
    }

    /// An upper estimate of a percentile by the nearest-rank rule.
    /// - Returns: the upper bound of the bucket holding the value of rank ⌈p/100 · count⌉ (capped
    ///   at the recorded maximum), or nil when empty.
    package func percentile(_ p: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = RunMetrics.nearestRank(p, count: count)
        var seen = 0
        for i in counts.indices {
            seen += counts[i]
            if seen >= rank { return min(Self.upperBound(ofBucket: i), maximum) }
        }
        return maximum
    }
}
