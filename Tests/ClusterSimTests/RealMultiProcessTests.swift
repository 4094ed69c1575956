import Foundation
import NetModel
import Synchronization
import Testing
@testable import ClusterSim

/// A `simctl node` (or `simctl cluster`) child process whose output lines are collected as they come.
private func nodeProcess(_ simctl: URL, _ arguments: [String], command: String = "node") throws -> LineProcess {
    try LineProcess(simctl, [command] + arguments)
}

/// `client-N` → the frontend of each `client-connected` event line, in order.
private func connections(_ lines: [String]) -> [(client: String, frontend: String)] {
    lines.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.count >= 5, parts[0] == "event", parts[3] == "client-connected",
              let f = parts[4...].first(where: { $0.hasPrefix("frontend=") }) else { return nil }
        return (String(parts[2]), String(f.dropFirst("frontend=".count)))
    }
}

@Suite("A real multi-process cluster: simctl node processes over TCP")
struct RealMultiProcessTests {
    @Test("A SIGKILLed frontend process is failed over: its clients reconnect to the other frontend")
    func sigkillFailover() throws {
        let simctl = try #require(builtSimctl())
        // The killed frontend is removed 3 s after its last ping (the test waits up to 10 s for
        // it); a live node stalled by a loaded machine for less than that is not removed.
        let timing = ["--ping-interval", "200ms", "--ping-timeout", "3s"]
        var processes: [LineProcess] = []
        defer { for p in processes.reversed() { p.stop() } }
        let management = try nodeProcess(simctl, ["--role", "management", "--listen", "127.0.0.1:0", "--insecure",
                                                  "--events", "node-joined,node-removed"] + timing)
        processes.append(management)
        let m = try #require(management.listeningAddress())
        var peers: [String: String] = [:]
        for name in ["session-1", "frontend-1", "frontend-2", "gateway-1"] {
            let role = String(name.split(separator: "-")[0])
            let p = try nodeProcess(simctl, ["--role", role, "--name", name, "--listen", "127.0.0.1:0",
                                             "--management", m, "--insecure"] + timing)
            processes.append(p)
            let address = try #require(p.listeningAddress(), "\(name) did not start")
            peers[name] = address
        }
        // Every server registered with the manager.
        #expect(management.wait(seconds: 10) { lines in lines.filter { $0.contains("node-joined") }.count >= 4 })
        let clientCount = 6
        let peerList = ["frontend-1", "frontend-2", "gateway-1"].map { "\($0)=\(peers[$0]!)" }.joined(separator: ",")
        let clients = try nodeProcess(simctl, ["--role", "client", "--clients", String(clientCount), "--management", m,
                                               "--peers", peerList, "--request-rate", "2/s", "--push-rate", "1/s",
                                               "--events", "client-connected,client-disconnected"] + timing)
        processes.append(clients)
        let allConnected = clients.wait(seconds: 15) { Set(connections($0).map(\.client)).count == clientCount }
        try #require(allConnected, "clients did not all connect: \(clients.output.suffix(10))")
        // The frontend holding the most push streams is SIGKILLed.
        var holder: [String: String] = [:]
        for c in connections(clients.output) { holder[c.client] = c.frontend }
        let counts = Dictionary(grouping: holder.values, by: { $0 }).mapValues(\.count)
        let victim = counts.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.first!.key
        let affected = Set(holder.filter { $0.value == victim }.keys)
        let survivor = victim == "frontend-1" ? "frontend-2" : "frontend-1"
        let seenBefore = clients.output.count
        processes.first { $0.process.arguments!.contains(victim) }!.kill(SIGKILL)
        // Each affected client connects again, to the surviving frontend.
        let failedOver = clients.wait(seconds: 15) { lines in
            let after = connections(Array(lines.dropFirst(seenBefore)))
            return affected.allSatisfy { c in after.contains { $0.client == c && $0.frontend == survivor } }
        }
        #expect(failedOver, "not every client of \(victim) reconnected to \(survivor): \(clients.output.suffix(12))")
        // The manager noticed the silence and removed the dead frontend.
        #expect(management.wait(seconds: 10) { $0.contains { $0.contains("node-removed") && $0.contains("name=\(victim)") } })
    }
}

@Suite("simctl cluster up: a local multi-process cluster")
struct RealClusterUpTests {
    @Test("cluster up starts every node and a client process, prints their pids, and stops them all on SIGINT")
    func upAndInterrupt() throws {
        let simctl = try #require(builtSimctl())
        let cluster = try nodeProcess(simctl, ["up", "--frontends", "2", "--clients", "3", "--ping-interval", "250ms",
                                               "--ping-timeout", "5s"], command: "cluster")
        defer { cluster.stop() }
        let up = cluster.wait(seconds: 20) { lines in
            lines.contains { $0.hasPrefix("cluster up:") }
                && Set(connections(lines.map { $0.replacingOccurrences(of: "[clients] ", with: "") }).map(\.client)).count == 3
        }
        try #require(up, "the cluster did not come up: \(cluster.output.suffix(10))")
        // The listing: one line per node with its pid.
        let pids = cluster.output.filter { $0.contains(" pid ") && $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int32($0) } }
        #expect(pids.count == 7)  // management, session, 2 frontends, chat, gateway, clients
        cluster.kill(SIGINT)
        // The exit and the end of its output: the last line has been read once this returns.
        try #require(cluster.waitForEnd(within: 60), "cluster up did not stop on SIGINT: \(cluster.output.suffix(10))")
        #expect(cluster.process.terminationStatus == 0)
        #expect(cluster.output.contains("cluster: every process stopped"), "\(cluster.output.suffix(10))")
        for pid in pids { #expect(Glibc.kill(pid, 0) != 0, "process \(pid) still runs") }
    }
}
