import Foundation
import NetModel
import Nodes
import Testing
@testable import ClusterSim

@Suite("Real runtime over TCP: a whole experiment on loopback sockets in one process", .serialized)
struct RealTCPRunTests {
    /// The correctness checks are judged once the pushes still in flight at the end have landed
    /// (on a starved machine a delivery can take seconds; a run stopped under it is not a loss),
    /// and the failover bound is the experiment's plus the delay the cluster's own timers ran
    /// late during the failover (measured from the nodes' pings), so a loaded machine's slowness
    /// is not judged as a slow failover while a really slow one still fails.
    @Test("failover-short over TCP passes the same checks as on the simulator; frontend-2's clients reconnect elsewhere")
    func failoverShortOverTCP() throws {
        let experiment = try realFixture("failover-short")
        let fabric = try TCPFabric(host: "127.0.0.1")
        defer { fabric.shutdown() }
        let inFlight = PushesInFlight()
        let run = RealClusterRun(experiment: experiment, fabric: fabric, executorCount: 2, tap: { inFlight.see($0) })
        let record = run.run(drain: { _ = inFlight.waitUntilLanded(within: 30) })
        let result = run.evaluate(record)
        let timingName = "expect.failoverWithin"
        for c in result.checks where !c.passed && c.name != timingName { Issue.record("\(c.name): \(c.detail)") }
        // The failover bound, widened by the cluster's measured scheduling delay.
        let bound = try #require(experiment.expect.failoverWithin)
        let metrics = RunMetrics(record)
        let crash = try #require(record.events.first { $0.kind == .crash && $0.node == NodeName(.frontend, 2) }).at
        let slowest = metrics.failoverMax ?? .zero
        let delay = RealTCPRunTests.schedulingDelay(record, pingInterval: experiment.timing.pingInterval,
                                                    from: crash, to: crash.advanced(by: slowest))
        var widened = experiment.expect
        widened.failoverWithin = bound + delay
        let timing = Checkers.expectations(widened, metrics: metrics).filter { $0.name == timingName }
        #expect(timing.count == 1 && timing.allSatisfy(\.passed),
                "\(timing.map(\.detail)); the nodes' timers ran up to \(delay) late in the failover window")
        // The traffic really went over sockets.
        #expect(fabric.network.stats.framesOut > 100)
        // Clients that were on frontend-2 when it crashed connected to frontend-1 afterwards.
        var last: [NodeName: String] = [:]
        var affected: Set<NodeName> = []
        var movedAfter: Set<NodeName> = []
        for e in record.events where e.kind == .node && e.label == NodeLog.clientConnected {
            guard let client = e.node, let frontend = NodeLog.field("frontend", in: e.detail).map(String.init) else { continue }
            if e.at < crash { last[client] = frontend } else if frontend == "frontend-1" { movedAfter.insert(client) }
        }
        for (client, frontend) in last where frontend == "frontend-2" { affected.insert(client) }
        #expect(!affected.isEmpty, "no client was on frontend-2 when it crashed")
        #expect(affected.isSubset(of: movedAfter), "not reconnected: \(affected.subtracting(movedAfter).sorted())")
    }

    /// How late the cluster's timers ran between `from` and `to`: for each node that pings the
    /// manager, the time its pings came later than every `pingInterval` (summed over the gaps that
    /// end in the window); the most of any node.
    static func schedulingDelay(_ record: RunRecord, pingInterval: Duration, from: VirtualInstant, to: VirtualInstant) -> Duration {
        var lastPing: [NodeName: VirtualInstant] = [:]
        var late: [NodeName: Duration] = [:]
        for e in record.events where e.kind == .send && e.label == "Ping" && e.peer == .management {
            guard let node = e.node else { continue }
            if let previous = lastPing[node], e.at > from, e.at <= to.advanced(by: pingInterval) {
                let excess = previous.duration(to: e.at) - pingInterval
                if excess > .zero { late[node, default: .zero] += excess }
            }
            lastPing[node] = e.at
        }
        return late.values.max() ?? .zero
    }

    @Test("simctl run --transport tcp: notes for the ignored network section, the same last line and exit status")
    func commandLine() throws {
        let simctl = try #require(builtSimctl())
        let file = try #require(Bundle.module.url(forResource: "Fixtures/real/notes-tiny", withExtension: "json"))
        let out = try runProcess(simctl, ["run", file.path, "--transport", "tcp"])
        #expect(out.stderr.contains("note: network.latency: ignored over tcp"))
        #expect(out.stderr.contains("note: network.drop: ignored over tcp"))
        let last = try #require(out.stdout.split(separator: "\n").last)
        #expect(last.hasPrefix("result=PASS seed=1 events="), "\(out.stdout)")
        #expect(out.status == 0)
    }
}

