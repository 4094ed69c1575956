import Glibc

/// The cluster behind `simctl bench chat --cluster`: management, session and chat nodes, each a
/// `simctl node` process on a free loopback port, whose CPU time is read like the server's.
final class BenchCluster {
    /// The nodes, management first.
    private var nodes: [ChatBenchServerProcess] = []
    /// Where the management node listens (`HOST:PORT`).
    let management: String

    /// Starts the three nodes, each after the manager has said where it listens.
    /// - Throws: `BenchChatError` when one cannot start (the others are stopped).
    init() throws {
        let manager = try ChatBenchServerProcess(["node", "--role", "management", "--listen", "127.0.0.1:0"])
        nodes.append(manager)
        management = manager.address
        do {
            for role in ["session", "chat"] {
                nodes.append(try ChatBenchServerProcess(["node", "--role", role, "--listen", "127.0.0.1:0",
                                                         "--management", management]))
            }
        } catch {
            stop()
            throw error
        }
    }

    /// The nodes' CPU time so far (user + system), in microseconds.
    func cpuMicroseconds() throws -> Double {
        try nodes.reduce(0) { $0 + (try $1.cpuMicroseconds()) }
    }

    /// SIGTERM to every node (they unregister and exit), then waits up to 3 s each, else SIGKILL.
    func stop() {
        for node in nodes.reversed() { node.terminate() }
        for node in nodes.reversed() { node.stop(waitingUpTo: 3) }
        nodes = []
    }
}
