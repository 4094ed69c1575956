import Foundation
import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The experiments cheap enough to run at two seeds in a debug build (all but the 1,000-client one).
let cheapExperimentFiles = experimentFiles.filter { $0 != "11-mixed-1000.json" && !largeExperimentFiles.contains($0) }

@Suite("Checks and metrics that scan the trace while the run goes on")
struct TraceScanTests {
    /// What a run's scans decided next to what its record alone gives.
    struct Comparison: Sendable {
        var file: String
        /// The checks that got a scan, and those that should have.
        var scanned: [CheckName], streaming: [CheckName]
        /// Each scanned check: its streamed result and its result from the record.
        var results: [(name: String, streamed: CheckResult, batch: CheckResult)] = []
        var metrics: RunMetrics?, metricsFromRecord: RunMetrics
        var traceCount: Int
        /// `RunResult.evaluate` of the run (streamed) and of its record alone: checks, then metrics.
        var evaluated: [CheckResult], evaluatedFromRecord: [CheckResult]
        var evaluatedMetrics: [String], evaluatedMetricsFromRecord: [String]
    }

    /// The checks whose checkers scan the trace while the run goes on.
    static let streamingChecks: [CheckName] = [.pushDelivery, .chatDelivery, .clientAuth, .singleSession,
                                               .acknowledgedEffects, .exactlyOnce, .chatLiveness, .liveness, .pushPromptness,
                                               .sessionMapConverges]

    /// Runs `file` at its seed plus `offset` on a thread of its own (a long simulation must not hold
    /// one of the cooperative pool's few threads: other tests wait on them), then compares.
    static func compare(_ file: String, offset: UInt64) async throws -> Comparison {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        return await withCheckedContinuation { (done: CheckedContinuation<Comparison, Never>) in
            Thread { done.resume(returning: compare(file, experiment, seed: experiment.seed + offset)) }.start()
        }
    }

    private static func compare(_ file: String, _ experiment: Experiment, seed: UInt64) -> Comparison {
        let run = ClusterRun(experiment: experiment, seed: seed, retention: .everything)
        let outcome = run.run()
        let record = run.record()
        let scans = run.simulator.trace.scanned
        let result = RunResult.evaluate(run, outcome: outcome)
        let fromRecord = RunResult.evaluate(experiment, seed: run.seed, record: record, traceCount: result.events,
                                            traceHash: result.traceHash, runtimeCheck: result.checks.last!,
                                            virtualTime: result.virtualTime)
        var c = Comparison(file: file, scanned: scans.checks.map { experiment.checks[$0.slot] },
                           streaming: experiment.checks.filter { streamingChecks.contains($0) },
                           metrics: scans.metrics?.finish(run: record), metricsFromRecord: RunMetrics(record),
                           traceCount: run.simulator.trace.count, evaluated: result.checks, evaluatedFromRecord: fromRecord.checks,
                           evaluatedMetrics: result.metrics.map { "\($0)=\($1)" },
                           evaluatedMetricsFromRecord: fromRecord.metrics.map { "\($0)=\($1)" })
        for (slot, name) in experiment.checks.enumerated() {
            guard let scan = scans.scan(at: slot) else { continue }
            c.results.append((name.rawValue, scan.finish(run: record), Checkers.make(name).check(record)))
        }
        return c
    }

    /// Expects the streamed results to be the record's.
    func expectEqual(_ c: Comparison, offset: UInt64) {
        #expect(c.scanned == c.streaming, "\(c.file)")
        #expect(c.metrics == c.metricsFromRecord, "\(c.file) metrics")
        #expect(c.metricsFromRecord.events == c.traceCount)
        for r in c.results { #expect(r.streamed == r.batch, "\(c.file) seed +\(offset) \(r.name)") }
        // What `simctl run` prints (streamed) is what the record alone gives.
        #expect(c.evaluated == c.evaluatedFromRecord)
        #expect(c.evaluatedMetrics == c.evaluatedMetricsFromRecord)
    }

    @Test("streamed results equal the record's on every experiment, at its seed and another",
          arguments: cheapExperimentFiles, [0, 7] as [UInt64])
    func experiments(file: String, offset: UInt64) async throws {
        expectEqual(try await Self.compare(file, offset: offset), offset: offset)
    }

    @Test("streamed results equal the record's on the 1,000-client mixed run")
    func mixed() async throws {
        expectEqual(try await Self.compare("11-mixed-1000.json", offset: 0), offset: 0)
    }

    @Test("a run that keeps no events scans nothing and is checked from its (empty) record")
    func withoutRetainedEvents() throws {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent("02-login-and-push.json").path)
        let run = ClusterRun(experiment: experiment, retention: .hashOnly)
        let outcome = run.run()
        #expect(run.simulator.trace.scanned.isEmpty)
        let result = RunResult.evaluate(run, outcome: outcome)
        #expect(result.events == run.simulator.trace.count && result.events > 0)
        #expect(result.checks.first { $0.name == CheckName.pushDelivery.rawValue }?.detail
                == "accepted 0, delivered 0; exceptions: none")
    }

    /// A trace with a failure of every kind the streaming checkers find, and a frontend crash.
    static func faultyTrace() -> (events: [TraceEvent], snapshot: ClusterSnapshot) {
        var t = TraceBuilder()
        let bob = Fx.cl(2), carol = Fx.cl(3)
        t.log(.milliseconds(100), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": 1])
        t.log(.milliseconds(100), bob, NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 2])
        // bob holds a stream on each frontend until frontend-1 crashes (an overlap of 4.8s).
        t.log(.milliseconds(100), Fx.fe(1), NodeLog.streamAccepted, ["user": "bob", "conn": 7])
        t.log(.milliseconds(200), Fx.fe(2), NodeLog.streamAccepted, ["user": "bob", "conn": 8])
        for p in 1...4 {
            t.log(.seconds(p), Fx.session, NodeLog.pushAccepted, ["push": p, "user": "bob", "seq": p, "gen": 1])
        }
        // Push 1 twice (duplicate), push 2 never (lost), push 4 before push 3 (out of order).
        for (push, seq, at) in [(1, 1, 1_005), (1, 2, 1_500), (4, 4, 4_005), (3, 3, 4_010)] {
            t.log(.milliseconds(at), bob, NodeLog.pushReceived,
                  ["push": push, "user": "bob", "seq": seq, "gen": 1, "latency-ns": 5_000_000 + at])
        }
        t.net(.seconds(5), .crash, Fx.fe(1))
        t.log(.milliseconds(6_000), Fx.mgmt, NodeLog.nodeRemoved, ["name": "frontend-1", "reason": "pingTimeout"])
        t.log(.milliseconds(6_500), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 3])
        // A line to bob received by carol (not a member), and a message no line announced.
        t.log(.seconds(7), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "carol", "members": "bob"])
        t.log(.milliseconds(7_005), bob, NodeLog.chatReceived, ["msg": 1])
        t.log(.milliseconds(7_006), carol, NodeLog.chatReceived, ["msg": 1])
        t.log(.milliseconds(7_007), bob, NodeLog.chatReceived, ["msg": 9])
        // A token attack nobody refuses.
        t.log(.seconds(8), Fx.cl(9), NodeLog.attackSent, ["kind": "forged-token", "id": 60, "req": 3, "service": "State"])
        let clients = [makeClient(1, user: "alice", frontend: 2), makeClient(2, user: "bob", frontend: 2),
                       makeClient(3, user: "carol"), makeClient(9, user: "mallory")]
        return (t.events, ClusterSnapshot(clients: clients))
    }

    @Test("on a trace with failures, streamed results (any batching) equal the record's")
    func faulty() throws {
        let (events, snapshot) = Self.faultyTrace()
        let record = makeRun(events, snapshot: snapshot)
        let names: [CheckName] = [.pushDelivery, .chatDelivery, .clientAuth, .singleSession, .liveness, .registryConverges]
        let batch = names.map { Checkers.make($0).check(record) }
        #expect(batch[0].detail.contains("lost=1 duplicate=1 out-of-order=1"), "\(batch[0].detail)")
        #expect(batch[1].detail.contains("unexpected=2"), "\(batch[1].detail)")
        #expect(batch[2].detail.contains("forged-token attack 60 by client-9 at 8.000s never rejected"), "\(batch[2].detail)")
        #expect(batch[3].detail.contains("overlaps longer than the grace 1.000s: bob at 0.200s for 4.800s"), "\(batch[3].detail)")
        let metrics = RunMetrics(record)
        #expect(metrics.detections == [.seconds(1)] && metrics.failovers == [.milliseconds(1_500)])

        // Through the trace recorder, as a run feeds them.
        let recorder = TraceRecorder()
        recorder.attachScans { TraceScans(checks: names, metrics: true) }
        for e in record.events {
            recorder.now = e.at.nanoseconds
            recorder.record(e.kind, node: e.node, peer: e.peer, messageID: e.messageID, label: e.label, fields: e.fields)
        }
        #expect(recorder.events == record.events)
        var fed = [recorder.scanned]
        // And in batches of every size.
        for size in 1...4 {
            var scans = TraceScans(checks: names, metrics: true)
            for start in stride(from: 0, to: events.count, by: size) {
                scans.observe(Array(record.events[start..<min(start + size, events.count)]))
            }
            fed.append(scans)
        }
        for scans in fed {
            #expect(scans.checks.map(\.slot) == [0, 1, 2, 3, 4])   // registry-converges reads no events
            #expect(names.indices.map { scans.scan(at: $0)?.finish(run: record) ?? Checkers.make(names[$0]).check(record) } == batch)
            #expect(scans.metrics?.finish(run: record) == metrics)
        }
    }

    @Test("a retired device that never came back does not hold a failover open")
    func retiredClientsLeftOut() {
        var t = TraceBuilder()
        for client in 1...3 {
            t.log(.milliseconds(100), Fx.cl(client), NodeLog.clientConnected, ["frontend": "frontend-1", "conn": client])
        }
        t.net(.seconds(2), .crash, Fx.fe(1))
        t.log(.seconds(3), Fx.cl(1), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 4])
        t.log(.seconds(4), Fx.cl(2), NodeLog.clientConnected, ["frontend": "frontend-2", "conn": 5])
        let clients = [makeClient(1, user: "a", frontend: 2), makeClient(2, user: "b", frontend: 2, retired: true),
                       makeClient(3, user: "c", connected: false, retired: true)]
        let metrics = RunMetrics(makeRun(t.events, snapshot: ClusterSnapshot(clients: clients)))
        // client-2 is retired: the failover ends with client-1 (1s), whatever client-2 did later.
        #expect(metrics.failovers == [.seconds(1)])
        #expect(metrics.failoverStragglers == 0)
    }

    @Test("sorted runs give the values sorted, whatever their number", arguments: [0, 1, 4_095, 4_096, 4_097, 20_000])
    func sortedRuns(count: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(count + 1)
        var runs = SortedRuns(), all: [Int64] = []
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Int64(bitPattern: state >> 40) - 1_000 * Int64(all.count % 7)
            runs.append(value)
            all.append(value)
        }
        #expect(runs.sorted() == all.sorted())
    }

    @Test("the label table finds each label, also among labels of one bucket, and nothing else")
    func labelTable() {
        // push-received and push-accepted share length, first and last byte: one bucket.
        let labels = [NodeLog.pushReceived, NodeLog.pushAccepted, NodeLog.pushExpired, "x", ""]
        var table = LabelTable<[Int]>()
        for (i, label) in labels.enumerated() {
            table.update(label, default: []) { $0.append(i) }
            table.update(label, default: []) { $0.append(-i) }
        }
        for (i, label) in labels.enumerated() { #expect(table.value(of: label) == [i, -i], "\(label)") }
        for missing in ["push-receives", "y", NodeLog.chatLine, "push-received "] { #expect(table.value(of: missing) == nil) }
    }
}

