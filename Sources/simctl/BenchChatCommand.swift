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
           simctl bench chat --vs-redis N | --vs-standalone N [options as above]

    Starts 'simctl chat-server' as a separate process on a free port, connects R rooms of M
    members (separate TCP clients, one epoll loop here), and lets one sender per room keep W
    messages unacknowledged (a message is acknowledged when every other member of its room has
    it). Each message's text carries its room and sequence number, so every receiver checks
    that nothing is lost or duplicated. Reports deliveries per second, the fan-out latency
    (send to each member's receipt, monotonic clock) p50/p99, and the server process's CPU time
    (the scheduler's run time of its threads, /proc/PID/task/*/schedstat) per delivery over the
    measured phase only. Build in release
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
      --vs-redis N   Side by side in this one run: N pairs, each the chat server then redis-server
                     under the same load, one after the other; prints each pair's CPU ratio and
                     ends with 'vs-redis: pairs=N ratio_median=R ...' (needs redis-server).
      --vs-standalone N
                     Side by side in this one run: N pairs, each the cluster-backed server (as
                     --cluster) then the standalone one under the same load; a pair's ratio is
                     the door's and the cluster processes' CPU per delivery together over the
                     standalone server's. Ends with 'vs-standalone: pairs=N ratio_median=R ...'.
      -h, --help     Show this help.

    The last line is 'deliveries/s=N p50_ms=X p99_ms=Y server_us_per_delivery=Z lost=N dup=N'.
    Exit status 1 when a message was lost or duplicated.

    """
    static let spec = ArgumentSpec(valued: ["--rooms", "--members", "--messages", "--window", "--format", "--size", "--workers",
                                            "--server", "--vs-redis", "--vs-standalone"],
                                   flags: ["--cluster"])

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        var settings = ChatBenchLoad.Settings()
        let workers: Int
        var vsRedisPairs: Int?
        var vsStandalonePairs: Int?
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
            if args.value("--vs-redis") != nil {
                vsRedisPairs = try args.integer("--vs-redis", default: 5, in: 1...50)
                if settings.wire == .redis { throw BenchChatError("--vs-redis compares the chat server with redis-server: leave out --server redis") }
                if args.has("--cluster") { throw BenchChatError("--vs-redis compares the standalone chat server, not --cluster") }
            }
            if args.value("--vs-standalone") != nil {
                vsStandalonePairs = try args.integer("--vs-standalone", default: 5, in: 1...50)
                if settings.wire == .redis { throw BenchChatError("--vs-standalone compares the cluster-backed chat server: leave out --server redis") }
                if vsRedisPairs != nil { throw BenchChatError("--vs-standalone and --vs-redis are separate comparisons: give one") }
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
            if let pairs = vsRedisPairs { return try measureAgainstRedis(settings, workers: workers, pairs: pairs) }
            if let pairs = vsStandalonePairs { return try measureClusterAgainstStandalone(settings, workers: workers, pairs: pairs) }
            return try measure(settings, workers: workers, cluster: args.has("--cluster"))
        } catch {
            printError("simctl: bench chat: \(error)")
            return 1
        }
    }

    static func measure(_ settings: ChatBenchLoad.Settings, workers: Int, cluster: Bool = false) throws -> Int32 {
        let m = try measureOnce(settings, workers: workers, cluster: cluster)
        return m.lost == 0 && m.duplicates == 0 ? 0 : 1
    }

    /// One measured run: starts the server (and the cluster), loads it, prints what it saw.
    /// - Returns: the run's figures.
    static func measureOnce(_ settings: ChatBenchLoad.Settings, workers: Int, cluster: Bool = false) throws -> ChatBenchMeasurement {
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
        let quantiles = tally.latencyMilliseconds(quantiles: [0.5, 0.99])
        let perDelivery = tally.deliveries > 0 ? (cpuAfter - cpuBefore) / Double(tally.deliveries) : 0
        print("measured: \(tally.deliveries) deliveries in " + String(format: "%.3f", seconds) + " s; server CPU "
              + String(format: "%.0f", (cpuAfter - cpuBefore) / 1000) + " ms; malformed \(tally.malformed)")
        fflush(nil)
        let note = server.finish(load)
        stopped = true
        if let note { print("note: \(note)") }
        let m = ChatBenchMeasurement(deliveriesPerSecond: Double(tally.deliveries) / seconds, p50: quantiles[0], p99: quantiles[1],
                                     serverMicroseconds: perDelivery,
                                     clusterMicroseconds: nodes == nil ? nil
                                         : tally.deliveries > 0 ? (clusterAfter - clusterBefore) / Double(tally.deliveries) : 0,
                                     lost: tally.lost, duplicates: tally.duplicates)
        print(m.line)
        return m
    }

    /// `--vs-redis N`: N pairs, each the chat server then `redis-server` under the same load, one
    /// after the other in this one run; each pair's ratio, then their median.
    /// - Returns: 0, or 1 when a run lost or duplicated a message.
    static func measureAgainstRedis(_ settings: ChatBenchLoad.Settings, workers: Int, pairs: Int) throws -> Int32 {
        var redis = settings
        redis.wire = .redis
        let results = try measurePairs(pairs, first: { try measureOnce(settings, workers: workers) },
                                       second: { try measureOnce(redis, workers: 1) }) { c, r in
            "chat " + String(format: "%.3f", c.serverMicroseconds) + " µs, redis " + String(format: "%.3f", r.serverMicroseconds)
                + " µs per delivery: ratio " + String(format: "%.3f", ChatBenchMeasurement.ratio(c, r))
        }
        print(ChatBenchMeasurement.pairSummary(results.map { (chat: $0.0, redis: $0.1) }))
        return results.allSatisfy { $0.0.isWhole && $0.1.isWhole } ? 0 : 1
    }

    /// `--vs-standalone N`: N pairs, each the cluster-backed server then the standalone one under
    /// the same load, one after the other in this one run; each pair's ratio (door and cluster
    /// processes together over the standalone server), then their median.
    /// - Returns: 0, or 1 when a run lost or duplicated a message.
    static func measureClusterAgainstStandalone(_ settings: ChatBenchLoad.Settings, workers: Int, pairs: Int) throws -> Int32 {
        let results = try measurePairs(pairs, first: { try measureOnce(settings, workers: workers, cluster: true) },
                                       second: { try measureOnce(settings, workers: workers) }) { c, s in
            "cluster-backed " + String(format: "%.3f", c.totalMicroseconds) + " µs (door " + String(format: "%.3f", c.serverMicroseconds)
                + "), standalone " + String(format: "%.3f", s.serverMicroseconds) + " µs per delivery: ratio "
                + String(format: "%.3f", ChatBenchMeasurement.clusterRatio(c, s))
        }
        print(ChatBenchMeasurement.clusterPairSummary(results.map { (cluster: $0.0, standalone: $0.1) }))
        return results.allSatisfy { $0.0.isWhole && $0.1.isWhole } ? 0 : 1
    }

    /// Runs `first` then `second`, `count` times, printing `pair K: ` and `line` of each pair.
    /// - Returns: the pairs' measurements, in order.
    private static func measurePairs(_ count: Int, first: () throws -> ChatBenchMeasurement, second: () throws -> ChatBenchMeasurement,
                                     line: (ChatBenchMeasurement, ChatBenchMeasurement) -> String) throws
        -> [(ChatBenchMeasurement, ChatBenchMeasurement)] {
        var results: [(ChatBenchMeasurement, ChatBenchMeasurement)] = []
        for pair in 1...count {
            let a = try first(), b = try second()
            results.append((a, b))
            print("pair \(pair): " + line(a, b))
        }
        return results
    }
}

/// What one `bench chat` run measured.
struct ChatBenchMeasurement {
    let deliveriesPerSecond: Double
    /// Fan-out latency quantiles, milliseconds.
    let p50: Double
    let p99: Double
    /// The server process's CPU per delivery, microseconds.
    let serverMicroseconds: Double
    /// The cluster processes' CPU per delivery (`--cluster`), microseconds.
    let clusterMicroseconds: Double?
    let lost: Int
    let duplicates: Int

    /// The run's last line: `deliveries/s=N p50_ms=X p99_ms=Y server_us_per_delivery=Z [cluster_us_per_delivery=C] lost=N dup=N`.
    var line: String {
        "deliveries/s=\(Int(deliveriesPerSecond)) p50_ms=" + String(format: "%.3f", p50) + " p99_ms=" + String(format: "%.3f", p99)
            + " server_us_per_delivery=" + String(format: "%.3f", serverMicroseconds)
            + (clusterMicroseconds.map { " cluster_us_per_delivery=" + String(format: "%.3f", $0) } ?? "")
            + " lost=\(lost) dup=\(duplicates)"
    }

    /// The server's and the cluster processes' CPU per delivery together, microseconds.
    var totalMicroseconds: Double { serverMicroseconds + (clusterMicroseconds ?? 0) }

    /// Whether nothing was lost or duplicated.
    var isWhole: Bool { lost == 0 && duplicates == 0 }

    /// A cluster-backed run's total CPU per delivery over a standalone run's (0 when that is 0).
    static func clusterRatio(_ cluster: ChatBenchMeasurement, _ standalone: ChatBenchMeasurement) -> Double {
        standalone.serverMicroseconds > 0 ? cluster.totalMicroseconds / standalone.serverMicroseconds : 0
    }

    /// The last line of `--vs-standalone`: `vs-standalone: pairs=N ratio_median=R ratio_min=A
    /// ratio_max=B cluster_us_median=C door_us_median=D standalone_us_median=E cluster_p99_ms_max=F
    /// standalone_p99_ms_max=G`.
    static func clusterPairSummary(_ pairs: [(cluster: ChatBenchMeasurement, standalone: ChatBenchMeasurement)]) -> String {
        sideBySide("vs-standalone", ratios: pairs.map { clusterRatio($0.cluster, $0.standalone) },
                   medians: [("cluster_us", pairs.map(\.cluster.totalMicroseconds)), ("door_us", pairs.map(\.cluster.serverMicroseconds)),
                             ("standalone_us", pairs.map(\.standalone.serverMicroseconds))],
                   worst: [("cluster_p99_ms", pairs.map(\.cluster.p99)), ("standalone_p99_ms", pairs.map(\.standalone.p99))])
    }

    /// The chat server's CPU per delivery over Redis's (0 when Redis's is 0).
    static func ratio(_ chat: ChatBenchMeasurement, _ redis: ChatBenchMeasurement) -> Double {
        redis.serverMicroseconds > 0 ? chat.serverMicroseconds / redis.serverMicroseconds : 0
    }

    /// The last line of `--vs-redis`: `vs-redis: pairs=N ratio_median=R ratio_min=A ratio_max=B
    /// chat_us_median=C redis_us_median=D chat_p99_ms_max=E redis_p99_ms_max=F`.
    static func pairSummary(_ pairs: [(chat: ChatBenchMeasurement, redis: ChatBenchMeasurement)]) -> String {
        sideBySide("vs-redis", ratios: pairs.map { ratio($0.chat, $0.redis) },
                   medians: [("chat_us", pairs.map(\.chat.serverMicroseconds)), ("redis_us", pairs.map(\.redis.serverMicroseconds))],
                   worst: [("chat_p99_ms", pairs.map(\.chat.p99)), ("redis_p99_ms", pairs.map(\.redis.p99))])
    }

    /// `LABEL: pairs=N ratio_median=R ratio_min=A ratio_max=B`, then `NAME_median=` of each of
    /// `medians` and `NAME_max=` of each of `worst`, three decimals each.
    private static func sideBySide(_ label: String, ratios: [Double], medians: [(String, [Double])], worst: [(String, [Double])]) -> String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "\(label): pairs=\(ratios.count) ratio_median=\(f(BenchCommand.median(ratios))) ratio_min=\(f(ratios.min() ?? 0))"
            + " ratio_max=\(f(ratios.max() ?? 0))"
            + medians.map { " \($0.0)_median=\(f(BenchCommand.median($0.1)))" }.joined()
            + worst.map { " \($0.0)_max=\(f($0.1.max() ?? 0))" }.joined()
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
