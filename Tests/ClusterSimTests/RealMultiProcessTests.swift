import Foundation
import NetModel
import Synchronization
import Testing
@testable import ClusterSim

/// A `simctl node` child process whose output lines are collected as they come.
private final class NodeProcess: @unchecked Sendable {
    let process = Process()
    private let lines = Mutex<[String]>([])
    /// Broadcast after each line is added (and taken before the lines are read by `wait`).
    private let arrived = NSCondition()

    init(_ simctl: URL, _ arguments: [String], command: String = "node") throws {
        process.executableURL = simctl
        process.arguments = [command] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let handle = out.fileHandleForReading
        try process.run()
        let thread = Thread { [self] in
            var pending = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    arrived.lock()
                    lines.withLock { $0.append(line) }
                    arrived.broadcast()
                    arrived.unlock()
                }
            }
        }
        thread.start()
    }

    var output: [String] { lines.withLock { $0 } }

    /// Waits, up to `seconds`, for an output line after which `condition` holds (woken by each
    /// new line, not by polling).
    /// - Returns: whether it held in time.
    func wait(seconds: Double, until condition: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        arrived.lock()
        defer { arrived.unlock() }
        while !condition(output) {
            guard arrived.wait(until: deadline) else { return condition(output) }
        }
        return true
    }

    /// The address from the 'NAME listening on HOST:PORT pid PID' line.
    func address(seconds: Double = 10) -> String? {
        guard wait(seconds: seconds, until: { $0.contains { $0.contains(" listening on ") } }) else { return nil }
        let line = output.first { $0.contains(" listening on ") }!
        return line.split(separator: " ").dropFirst(3).first.map(String.init)
    }

    func kill(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGTERM, then SIGKILL after 3 s; waits for the exit.
    func stop() {
        kill(SIGTERM)
        process.waitForExit(within: 3)
        kill(SIGKILL)
        process.waitUntilExit()
    }
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
        let timing = ["--ping-interval", "200ms", "--ping-timeout", "800ms"]
        var processes: [NodeProcess] = []
        defer { for p in processes.reversed() { p.stop() } }
        let management = try NodeProcess(simctl, ["--role", "management", "--listen", "127.0.0.1:0",
                                                  "--events", "node-joined,node-removed"] + timing)
        processes.append(management)
        let m = try #require(management.address())
        var peers: [String: String] = [:]
        for name in ["session-1", "frontend-1", "frontend-2", "gateway-1"] {
            let role = String(name.split(separator: "-")[0])
            let p = try NodeProcess(simctl, ["--role", role, "--name", name, "--listen", "127.0.0.1:0",
                                             "--management", m] + timing)
            processes.append(p)
            let address = try #require(p.address(), "\(name) did not start")
            peers[name] = address
        }
        // Every server registered with the manager.
        #expect(management.wait(seconds: 10) { lines in lines.filter { $0.contains("node-joined") }.count >= 4 })
        let clientCount = 6
        let peerList = ["frontend-1", "frontend-2", "gateway-1"].map { "\($0)=\(peers[$0]!)" }.joined(separator: ",")
        let clients = try NodeProcess(simctl, ["--role", "client", "--clients", String(clientCount), "--management", m,
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
        let cluster = try NodeProcess(simctl, ["up", "--frontends", "2", "--clients", "3", "--ping-interval", "250ms",
                                               "--ping-timeout", "1s"], command: "cluster")
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
        #expect(cluster.process.waitForExit(within: 15))
        cluster.process.waitUntilExit()
        #expect(cluster.process.terminationStatus == 0)
        #expect(cluster.output.contains("cluster: every process stopped"))
        for pid in pids { #expect(Glibc.kill(pid, 0) != 0, "process \(pid) still runs") }
    }
}
