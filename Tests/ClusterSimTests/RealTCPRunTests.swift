import Foundation
import NetModel
import Nodes
import Testing
@testable import ClusterSim

@Suite("Real runtime over TCP: a whole experiment on loopback sockets in one process", .serialized)
struct RealTCPRunTests {
    @Test("failover-short over TCP passes the same checks as on the simulator; frontend-2's clients reconnect elsewhere")
    func failoverShortOverTCP() throws {
        let experiment = try realFixture("failover-short")
        let fabric = try TCPFabric(host: "127.0.0.1")
        defer { fabric.shutdown() }
        let run = RealClusterRun(experiment: experiment, fabric: fabric, executorCount: 2)
        let record = run.run()
        let result = run.evaluate(record)
        for c in result.checks where !c.passed { Issue.record("\(c.name): \(c.detail)") }
        #expect(result.passed)
        // The traffic really went over sockets.
        #expect(fabric.network.stats.framesOut > 100)
        // Clients that were on frontend-2 when it crashed connected to frontend-1 afterwards.
        let crash = try #require(record.events.first { $0.kind == .crash && $0.node == NodeName(.frontend, 2) }).at
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
