import ClusterSim
import Foundation
import Glibc
import NetModel
import Nodes

extension ChatServerCommand {
    /// `chat-server --management HOST:PORT`: the server as a chat front door of a cluster.
    /// - Returns: 0 after `/shutdown` or a stop signal, 1 when it cannot start.
    /// - Throws: `UsageError` for a bad option.
    static func runClusterBacked(_ configuration: ChatServerConfiguration, _ args: ParsedArguments) throws(UsageError) -> Int32 {
        let management = try NodeOptions.address(args.value("--management") ?? "", option: "--management")
        let listen = try NodeOptions.address(args.value("--listen") ?? "127.0.0.1:0", option: "--listen")
        var name = NodeName(.chatDoor, 1)
        if let text = args.value("--name") {
            guard let parsed = NodeName(parsing: text), parsed.role == .chatDoor else {
                throw UsageError("option '--name' expects chat-door-N (N from 1), got '\(text)'")
            }
            name = parsed
        }
        var settings = ClusterSettings()
        settings.pingInterval = try NodeOptions.duration(args, "--ping-interval", default: settings.pingInterval)
        settings.pingTimeout = try NodeOptions.duration(args, "--ping-timeout", default: settings.pingTimeout)

        // Signals are taken by one thread; every thread started from here on inherits the mask.
        StopSignals.block()
        let log: @Sendable (String) -> Void = { printError($0) }
        let backend: ClusterChatBackend
        do {
            backend = try ClusterChatBackend(name: name, management: management, listen: listen, settings: settings,
                                             seed: Self.freshSeed(), log: log)
        } catch {
            printError("simctl: chat-server: \(error)")
            return 1
        }
        if !backend.waitUntilReady(within: .seconds(10)) {
            printError("chat-server: \(name) is not serving yet: no answer from the management node at \(management), or no session or chat node registered; clients get a system message until it is (still trying)")
        }
        let server = ChatServer(configuration: configuration, backend: backend, log: log)
        backend.attach(to: server)
        do {
            try server.start()
        } catch {
            backend.stop()
            printError("simctl: chat-server: \(error)")
            return 1
        }
        print("chat-server listening on \(configuration.host):\(server.port) (format \(configuration.format.rawValue), \(configuration.workers) worker\(configuration.workers == 1 ? "" : "s"), \(name) at \(backend.address) of the cluster at \(management))")
        fflush(nil)
        let signals = Thread {
            let received = StopSignals.wait()
            printError("chat-server: stopping on signal \(received)")
            server.requestStop()
        }
        signals.start()
        server.wait()
        backend.stop()
        print("chat-server stopped")
        fflush(nil)
        return 0
    }

    /// A seed that differs from start to start (the door's user names must not repeat).
    private static func freshSeed() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_007 &+ UInt64(ts.tv_nsec) ^ UInt64(getpid()) << 40
    }
}
