import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("Run metrics, percentiles, histogram and expect thresholds")
struct ChecksMetricsTests {
    /// frontend-2 crashes at 10s; the manager removes it at 13.2s. client-1 and client-2 were on
    /// it and come back on frontend-1 at 11.5s and 12.25s; client-3 stays on frontend-1. 100
    /// pushes received with latencies 1ms…100ms in a scrambled order. A little network traffic.
    static func trace() -> [TraceEvent] {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 1])
        t.log(.seconds(2), Fx.cl(2), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 2])
        t.log(.seconds(3), Fx.cl(3), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 1])
        for i in 0..<100 {
            let ms = (i * 37) % 100 + 1
            t.log(.seconds(4), Fx.session, NodeLog.pushAccepted, ["push": i, "user": "u", "seq": i + 1, "gen": 1])
            t.log(.seconds(5), Fx.cl(3), NodeLog.pushReceived,
                  ["push": i, "user": "u", "seq": i + 1, "gen": 1, "latency-ns": ms * 1_000_000])
        }
        t.log(.seconds(6), Fx.session, NodeLog.pushExpired, ["push": 200, "user": "v", "seq": 1])
        t.net(.seconds(7), .send, Fx.fe(1), peer: Fx.mgmt, id: 1, label: "Ping")
        t.net(.seconds(7), .duplicate, Fx.fe(1), peer: Fx.mgmt, id: 1, label: "Ping")
        t.net(.seconds(8), .deliver, Fx.mgmt, peer: Fx.fe(1), id: 1, label: "Ping")
        t.net(.seconds(8), .deliver, Fx.mgmt, peer: Fx.fe(1), id: 1, label: "Ping")
        t.net(.seconds(9), .send, Fx.fe(2), peer: Fx.mgmt, id: 2, label: "Ping")
        t.net(.seconds(9), .drop, Fx.fe(2), peer: Fx.mgmt, id: 2, label: "Ping", detail: "loss")
        t.net(.seconds(10), .crash, Fx.fe(2), label: "crash")
        t.log(.seconds(11), Fx.fe(1), NodeLog.requestServed, ["client": "client-3", "service": "State", "user": "u3"])
        t.log(.seconds(11), Fx.fe(1), NodeLog.requestRejected, ["client": "client-9", "service": "State", "reason": "bad-token"])
        t.log(.milliseconds(11_500), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 5])
        t.log(.milliseconds(12_250), Fx.cl(2), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 6])
        t.log(.milliseconds(13_200), Fx.mgmt, NodeLog.nodeRemoved,
              ["name": "frontend-2", "epoch": 2, "reason": "pingTimeout", "last-heard-ns": 9_000_000_000])
        t.log(.seconds(14), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "a", "members": "b"])
        return t.events
    }

    static let metrics = RunMetrics(makeRun(trace(), frontends: 3))

    @Test("detection: crash to the manager's node-removed")
    func detection() {
        #expect(Self.metrics.detections == [.milliseconds(3_200)])
        #expect(Self.metrics.frontendCrashes == 1)
    }

    @Test("failover: crash to the last affected client's reconnection elsewhere")
    func failover() {
        #expect(Self.metrics.failovers == [.milliseconds(2_250)])
        #expect(Self.metrics.failoverStragglers == 0)
    }

    @Test("a retired client is not waited for; a client that never returns is a straggler")
    func failoverStragglers() {
        var events = Self.trace()
        events.removeAll { $0.node == Fx.cl(2) && $0.at == VirtualInstant.zero.advanced(by: .milliseconds(12_250)) }
        let straggling = RunMetrics(makeRun(events, frontends: 3))
        #expect(straggling.failovers.isEmpty)
        #expect(straggling.failoverStragglers == 1)
        let retired = ClusterSnapshot(clients: [makeClient(2, user: "u2", connected: false, retired: true)])
        #expect(RunMetrics(makeRun(events, snapshot: retired, frontends: 3)).failovers == [.milliseconds(1_500)])
    }

    @Test("the dictionary, in order, with times in milliseconds")
    func dictionary() {
        let d = Self.metrics.asDictionary()
        #expect(d.map(\.0) == ["events", "messages_sent", "messages_delivered", "messages_dropped", "messages_duplicated",
                               "requests_served", "requests_rejected", "pushes_accepted", "pushes_delivered",
                               "pushes_expired", "chat_lines", "unexpected_messages", "frontend_crashes", "push_latency_p50_ms",
                               "push_latency_p99_ms", "push_latency_max_ms", "detection_ms", "detection_mean_ms",
                               "failover_ms", "failover_mean_ms"])
        #expect(d.map(\.1) == [Double(Self.trace().count), 2, 2, 1, 1, 1, 1, 100, 100, 1, 1, 0, 1, 50, 99, 100,
                               3_200, 3_200, 2_250, 2_250])
    }

    @Test("a run without crashes or pushes leaves those metrics out")
    func emptyRun() {
        let d = RunMetrics(makeRun([])).asDictionary()
        #expect(d.count == 13)
        #expect(!d.contains { $0.0.hasPrefix("push_latency") || $0.0.hasPrefix("detection") || $0.0.hasPrefix("failover") })
    }

    @Test("nearest-rank percentiles", arguments: [
        (50.0, 100, 50), (99.0, 100, 99), (100.0, 100, 100), (0.0, 5, 1), (50.0, 1, 1), (90.0, 10, 9),
        (95.0, 10, 10), (99.9, 1_000, 999), (50.0, 3, 2),
    ])
    func nearestRank(p: Double, count: Int, rank: Int) {
        #expect(RunMetrics.nearestRank(p, count: count) == rank)
        #expect(RunMetrics.percentile(p, of: (1...Int64(count)).map { $0 * 10 }) == Int64(rank) * 10)
    }

    @Test("histogram buckets are powers of two of a microsecond", arguments: [
        (Int64(0), 0), (1_000, 0), (1_001, 1), (2_000, 1), (2_001, 2), (4_000, 2), (1_000_000, 10), (Int64.max, 39),
    ])
    func bucket(ns: Int64, index: Int) {
        #expect(LatencyHistogram.bucket(ofNanoseconds: ns) == index)
        if index < 39 { #expect(ns <= LatencyHistogram.upperBound(ofBucket: index)) }
    }

    @Test("the histogram counts, merges and estimates percentiles from above")
    func histogram() throws {
        let h = Self.metrics.pushLatencyHistogram
        #expect(h.count == 100)
        #expect(h.minimum == 1_000_000 && h.maximum == 100_000_000)
        #expect(h.buckets.map(\.count).reduce(0, +) == 100)
        let p50 = try #require(h.percentile(50))
        #expect(p50 >= 50_000_000 && p50 <= 2 * 50_000_000)
        #expect(h.percentile(100) == 100_000_000)
        var twice = h
        twice.merge(h)
        #expect(twice.count == 200 && twice.counts == h.counts.map { $0 * 2 })
        #expect(LatencyHistogram().percentile(50) == nil)
    }

    @Test("expect thresholds", arguments: [
        (Expectations(failoverWithin: .seconds(5)), "expect.failoverWithin", true, "slowest failover 2250ms (bound 5000ms)"),
        (Expectations(failoverWithin: .seconds(2)), "expect.failoverWithin", false, "slowest failover 2250ms (bound 2000ms)"),
        (Expectations(detectionWithin: .seconds(3)), "expect.detectionWithin", false, "slowest detection 3200ms (bound 3000ms)"),
        (Expectations(pushLatencyP50Below: .milliseconds(51)), "expect.pushLatencyP50Below", true, "push latency p50 50ms (bound below 51ms)"),
        (Expectations(pushLatencyP99Below: .milliseconds(99)), "expect.pushLatencyP99Below", false, "push latency p99 99ms (bound below 99ms)"),
    ])
    func thresholds(expect: Expectations, name: String, passes: Bool, detail: String) {
        #expect(Checkers.expectations(expect, metrics: Self.metrics) == [CheckResult(name: name, passed: passes, detail: detail)])
    }

    @Test("a threshold without data passes and says why")
    func thresholdsWithoutData() {
        let all = Expectations(failoverWithin: .seconds(1), detectionWithin: .seconds(1),
                               pushLatencyP50Below: .milliseconds(1), pushLatencyP99Below: .milliseconds(1))
        let results = Checkers.expectations(all, metrics: RunMetrics())
        #expect(results.allSatisfy { $0.passed })
        #expect(results.map(\.detail) == ["no failover in this run", "no frontend crash detected in this run",
                                          "no push received in this run", "no push received in this run"])
    }

    @Test("checks and metrics are deterministic")
    func deterministic() {
        let run = makeRun(Self.trace(), frontends: 3)
        #expect(Checkers.run(CheckName.allCases, on: run) == Checkers.run(CheckName.allCases, on: run))
        #expect(RunMetrics(run) == RunMetrics(run))
    }
}
