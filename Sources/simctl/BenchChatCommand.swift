import ClusterSim
import Foundation
import Glibc
import NetModel
import Nodes

/// `simctl bench chat`: fan-out throughput, latency and the server's CPU per delivery.
enum BenchChatCommand: Command {
    static let name = "bench chat"
    static let summary = "Measure the chat server (deliveries/s, fan-out latency, server CPU per delivery)"
    static let help = """
    USAGE: simctl bench chat [--rooms R] [--members M] [--messages N] [--window W] [--format F] [--size B] [--workers N] [--cluster]
           simctl bench chat --server redis [--rooms R] [--members M] [--messages N] [--window W] [--size B]

    Starts 'simctl chat-server' as a separate process on a free port, connects R rooms of M
    members (separate TCP clients, one epoll loop here), and lets one sender per room keep W
    messages unacknowledged (a message is acknowledged when every other member of its room has
    it). Each message's text carries its room and sequence number, so every receiver checks
    that nothing is lost or duplicated. Reports deliveries per second, the fan-out latency
    (send to each member's receipt, monotonic clock) p50/p99, and the server process's CPU time
    (user + system, /proc/PID/stat) per delivery over the measured phase only. Build in release
    mode for real figures: swift build -c release; .build/release/simctl bench chat

    OPTIONS:
      --rooms R      Rooms (default 10).
      --members M    Members per room, the sender included (default 10).
      --messages N   Chat messages in all, spread over the rooms (default 100000).
      --window W     Unacknowledged messages per sender (default 8).
      --format F     json (default) or protobuf.
      --size B       Chat text length in bytes (default 64).
      --workers N    The server's event-loop threads (default 1).
      --cluster      Bench a cluster-backed server: management, session and chat nodes as
                     'simctl node' processes and the server with --management (its rooms on the
                     chat node). Also reports the cluster processes' CPU per delivery
                     (cluster_us_per_delivery).
      --server S     chat (default): 'simctl chat-server'. redis: 'redis-server' from the PATH
                     (no persistence), the reference the chat server is compared with, under the
                     same load: a room is a channel, its sender PUBLISHes, the other members
                     SUBSCRIBE (RESP2), so a message is M - 1 deliveries in both. Run the two one
                     after the other and compare server_us_per_delivery (docs/performance.md).
      -h, --help     Show this help.

    The last line is 'deliveries/s=N p50_ms=X p99_ms=Y server_us_per_delivery=Z lost=N dup=N'.
    Exit status 1 when a message was lost or duplicated.

    """
    static let spec = ArgumentSpec(valued: ["--rooms", "--members", "--messages", "--window", "--format", "--size", "--workers",
                                            "--server"],
                                   flags: ["--cluster"])

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        var settings = ChatBenchLoad.Settings()
        let workers: Int
        do {
            settings.rooms = try args.integer("--rooms", default: 10, in: 1...10_000)
            settings.members = try args.integer("--members", default: 10, in: 2...10_000)
            settings.messages = try args.integer("--messages", default: 100_000, in: 1...100_000_000)
            settings.window = try args.integer("--window", default: 8, in: 1...100_000)
            settings.size = try args.integer("--size", default: 64, in: 16...60_000)
            settings.wire = .chat(try chatFormat(args))
            workers = try args.integer("--workers", default: 1, in: 1...256)
            switch args.value("--server") ?? "chat" {
            case "chat": break
            case "redis":
                for option in ["--format", "--workers"] where args.value(option) != nil {
                    throw BenchChatError("\(option) is for the chat server; redis-server has neither")
                }
                if args.has("--cluster") { throw BenchChatError("--cluster is for the chat server, not redis-server") }
                settings.wire = .redis
            case let other: throw BenchChatError("--server must be chat or redis, not '\(other)'")
            }
        } catch {
            fail("bench chat: \(error)", hint: "Try 'simctl bench chat --help'.")
        }
        let connections = settings.rooms * settings.members
        let limit = OpenFileLimit.raise(toAtLeast: connections + 256)
        guard limit >= connections + 64 else {
            printError("simctl: bench chat: \(connections) connections need more file descriptors than the limit of \(limit) allows")
            return 2
        }
        do {
            return try measure(settings, workers: workers, cluster: args.has("--cluster"))
        } catch {
            printError("simctl: bench chat: \(error)")
            return 1
        }
    }

    static func measure(_ settings: ChatBenchLoad.Settings, workers: Int, cluster: Bool = false) throws -> Int32 {
        let nodes = cluster ? try BenchCluster() : nil
        defer { nodes?.stop() }
        let server: any ChatBenchServer = settings.wire == .redis ? try RedisBenchServer()
            : try ChatBenchServerProcess(format: settings.wire.name, workers: workers,
                                         extra: nodes.map { ["--management", $0.management] } ?? [])
        var stopped = false
        defer { if !stopped { server.stop() } }
        let load = ChatBenchLoad(settings: settings, port: server.port)
        print("bench chat: \(settings.rooms) rooms × \(settings.members) members, \(load.perRoom) messages per room of \(settings.size) bytes, window \(settings.window), \(settings.wire.name), \(server.kind) pid \(server.pid) on port \(server.port)" + (settings.wire == .redis ? "" : " with \(workers) worker\(workers == 1 ? "" : "s")"))
        try load.setUp()
        let cpuBefore = try server.cpuMicroseconds()
        let clusterBefore = try nodes?.cpuMicroseconds() ?? 0
        let elapsed = try load.run()
        let cpuAfter = try server.cpuMicroseconds()
        let clusterAfter = try nodes?.cpuMicroseconds() ?? 0
        load.tally.finish()
        let tally = load.tally
        let seconds = Double(elapsed) / 1e9
        let rate = Double(tally.deliveries) / seconds
        let quantiles = tally.latencyMilliseconds(quantiles: [0.5, 0.99])
        let (p50, p99) = (quantiles[0], quantiles[1])
        let perDelivery = tally.deliveries > 0 ? (cpuAfter - cpuBefore) / Double(tally.deliveries) : 0
        print("measured: \(tally.deliveries) deliveries in " + String(format: "%.3f", seconds) + " s; server CPU "
              + String(format: "%.0f", (cpuAfter - cpuBefore) / 1000) + " ms; malformed \(tally.malformed)")
        fflush(nil)
        let note = server.finish(load)
        stopped = true
        if let note { print("note: \(note)") }
        print("deliveries/s=\(Int(rate)) p50_ms=" + String(format: "%.3f", p50) + " p99_ms=" + String(format: "%.3f", p99)
              + " server_us_per_delivery=" + String(format: "%.3f", perDelivery)
              + (nodes == nil ? "" : " cluster_us_per_delivery=" + String(format: "%.3f", tally.deliveries > 0 ? (clusterAfter - clusterBefore) / Double(tally.deliveries) : 0))
              + " lost=\(tally.lost) dup=\(tally.duplicates)")
        return tally.lost == 0 && tally.duplicates == 0 ? 0 : 1
    }
}

/// The server `bench chat` measures: its process, port and CPU time, and how it is ended.
protocol ChatBenchServer: AnyObject {
    /// `chat-server` or `redis-server`.
    var kind: String { get }
    /// Its process id.
    var pid: Int32 { get }
    /// The loopback port it listens on.
    var port: Int { get }
    /// Its CPU time so far (user + system), in microseconds.
    func cpuMicroseconds() throws -> Double
    /// Ends it after the load, as its protocol allows.
    /// - Returns: a note when it did not end cleanly.
    func finish(_ load: ChatBenchLoad) -> String?
    /// Stops it at once (an error path).
    func stop()
}

extension ChatBenchServerProcess: ChatBenchServer {
    var kind: String { "server" }
    var pid: Int32 { process.processIdentifier }

    func finish(_ load: ChatBenchLoad) -> String? {
        try? load.send(.shutdown, to: 0)
        let status = stop(waitingUpTo: 5)
        return status == 0 ? nil : "the server did not exit 0 after /shutdown (status \(status.map(String.init) ?? "killed"))"
    }

    func stop() { stop(waitingUpTo: 0) }
}

extension RedisBenchServer: ChatBenchServer {
    var kind: String { "redis-server" }
    var pid: Int32 { process.processIdentifier }

    func finish(_ load: ChatBenchLoad) -> String? {
        stop()
        return nil
    }
}
