import NetModel
import Nodes

/// The numbers of one run, computed from its trace (and the snapshot's retired clients).
///
/// Percentiles use the nearest-rank rule: for n values sorted ascending, the p-th percentile is
/// the value of rank ⌈p/100 · n⌉ (at least 1) — always one of the values, never interpolated.
package struct RunMetrics: Sendable, Equatable {
    /// Trace events.
    package var events = 0
    /// Network `send` events (one-shot messages and stream frames) and `stream-open` events.
    package var messagesSent = 0
    /// Network `deliver` events, stream openings included (a duplicate delivered counts twice).
    package var messagesDelivered = 0
    /// Network `drop` events, whatever the reason.
    package var messagesDropped = 0
    /// Network `duplicate` events.
    package var messagesDuplicated = 0
    /// `request-served` events.
    package var requestsServed = 0
    /// `request-rejected` events.
    package var requestsRejected = 0
    /// Distinct pushes to a user among the `push-accepted` events.
    package var pushesAccepted = 0
    /// `push-received` events (first deliveries to a client).
    package var pushesDelivered = 0
    /// `push-expired` events.
    package var pushesExpired = 0
    /// `chat-line` events.
    package var chatLines = 0
    /// Messages a node did not expect or could not decode (`unexpected-message`).
    package var unexpectedMessages = 0
    /// Crashes of frontends.
    package var frontendCrashes = 0
    /// Per frontend crash that the manager noticed, in crash order: from the crash to the
    /// manager's first `node-removed name=<it>` after it.
    package var detections: [Duration] = []
    /// Per frontend crash whose affected clients all came back, in crash order: from the crash to
    /// the last affected client's `client-connected` on another frontend. Affected: the clients
    /// whose last `client-connected` before the crash was on that frontend, retired ones excepted.
    package var failovers: [Duration] = []
    /// Affected clients that never connected to another frontend after their frontend crashed.
    package var failoverStragglers = 0
    /// Every `push-received latency-ns=`, sorted ascending, in nanoseconds, as one array.
    package var pushLatencies: [Int64] {
        get { sortedPushLatencies.all }
        set { sortedPushLatencies = SortedValues(sorting: newValue) }
    }
    /// The same latencies as kept: sorted, in 4 bytes each below 2³² ns (every figure the metrics
    /// print reads them by rank, so the run's end holds no 8-byte array of them).
    package var sortedPushLatencies = SortedValues()
    /// The same latencies in log-scale buckets.
    package var pushLatencyHistogram = LatencyHistogram()

    /// Makes empty metrics.
    package init() {}

    /// Computes the metrics of `run` (by scanning its trace: see ``Scan``).
    package init(_ run: RunRecord) {
        self = run.scanned(Scan())
    }

    /// The nearest rank of the p-th percentile among `count` values.
    /// - Returns: ⌈p/100 · count⌉ clamped to 1…count (1 when `count` is 0). The ceiling allows a
    ///   relative error of 1e-9, so that binary rounding does not push a decimal `p` such as 99.9
    ///   up a rank (99.9% of 1000 is rank 999).
    package static func nearestRank(_ p: Double, count: Int) -> Int {
        guard count > 0 else { return 1 }
        let exact = p * Double(count) / 100
        let rank = Int((exact - 1e-9 * max(1, abs(exact))).rounded(.up))
        return min(max(rank, 1), count)
    }

    /// The nearest-rank percentile of ascending `sorted` values.
    /// - Returns: the value of rank ⌈p/100 · n⌉, or nil when there are none.
    package static func percentile(_ p: Double, of sorted: [Int64]) -> Int64? {
        sorted.isEmpty ? nil : sorted[nearestRank(p, count: sorted.count) - 1]
    }

    /// The nearest-rank percentile of `sorted` values.
    /// - Returns: the value of rank ⌈p/100 · n⌉, or nil when there are none.
    static func percentile(_ p: Double, of sorted: SortedValues) -> Int64? {
        sorted.isEmpty ? nil : sorted[rank: nearestRank(p, count: sorted.count) - 1]
    }

    /// The p-th percentile of push latency.
    /// - Returns: nearest-rank, or nil when no push was received.
    package func pushLatency(percentile p: Double) -> Duration? {
        Self.percentile(p, of: sortedPushLatencies).map { .nanoseconds($0) }
    }

    /// The slowest detection, or nil when no frontend crash was detected.
    package var detectionMax: Duration? { detections.max() }
    /// The slowest complete failover, or nil when none happened.
    package var failoverMax: Duration? { failovers.max() }

    /// The metrics as `--json` prints them, in a fixed order; times in milliseconds. Metrics
    /// without data (no crash, no push) are left out.
    /// - Returns: `events`, `messages_sent`, `messages_delivered`, `messages_dropped`,
    ///   `messages_duplicated`, `requests_served`, `requests_rejected`, `pushes_accepted`,
    ///   `pushes_delivered`, `pushes_expired`, `chat_lines`, `unexpected_messages`, `frontend_crashes`, then when known
    ///   `push_latency_p50_ms`, `push_latency_p99_ms`, `push_latency_max_ms`, `detection_ms` (max),
    ///   `detection_mean_ms`, `failover_ms` (max), `failover_mean_ms`, `failover_stragglers`.
    package func asDictionary() -> [(String, Double)] {
        var out: [(String, Double)] = [
            ("events", Double(events)),
            ("messages_sent", Double(messagesSent)),
            ("messages_delivered", Double(messagesDelivered)),
            ("messages_dropped", Double(messagesDropped)),
            ("messages_duplicated", Double(messagesDuplicated)),
            ("requests_served", Double(requestsServed)),
            ("requests_rejected", Double(requestsRejected)),
            ("pushes_accepted", Double(pushesAccepted)),
            ("pushes_delivered", Double(pushesDelivered)),
            ("pushes_expired", Double(pushesExpired)),
            ("chat_lines", Double(chatLines)),
            ("unexpected_messages", Double(unexpectedMessages)),
            ("frontend_crashes", Double(frontendCrashes)),
        ]
        if let p50 = pushLatency(percentile: 50), let p99 = pushLatency(percentile: 99),
           let top = sortedPushLatencies.last {
            out += [("push_latency_p50_ms", p50.milliseconds), ("push_latency_p99_ms", p99.milliseconds),
                    ("push_latency_max_ms", Double(top) / 1_000_000)]
        }
        if let top = detectionMax {
            out += [("detection_ms", top.milliseconds), ("detection_mean_ms", Self.meanMilliseconds(detections))]
        }
        if let top = failoverMax {
            out += [("failover_ms", top.milliseconds), ("failover_mean_ms", Self.meanMilliseconds(failovers))]
        }
        if failoverStragglers > 0 { out.append(("failover_stragglers", Double(failoverStragglers))) }
        return out
    }

    private static func meanMilliseconds(_ values: [Duration]) -> Double {
        values.isEmpty ? 0 : values.map(\.milliseconds).reduce(0, +) / Double(values.count)
    }
}
