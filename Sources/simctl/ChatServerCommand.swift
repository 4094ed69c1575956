import ClusterSim
import Foundation
import Nodes

/// `simctl chat-server`: the standalone chat server of seed 004.
enum ChatServerCommand: Command {
    static let name = "chat-server"
    static let summary = "Run the chat server of seed 004 (the course client's protocol, byte for byte)"
    static let help = """
    USAGE: simctl chat-server --port P [--host H] [--format json|protobuf] [--workers N] [--max-frame BYTES]
                              [--no-shutdown] [--idle-timeout D] [--frame-timeout D]
           simctl chat-server --port P --management HOST:PORT [--name chat-door-N] [--listen HOST:PORT] [options]

    Serves the chat protocol of docs/chat-protocol.md (/name, /rooms, /create, /join, /leave,
    chat lines, /shutdown) on non-blocking sockets with epoll. Prints the listening address
    ('chat-server listening on HOST:PORT ...') once ready. /shutdown from a client on this host
    (a loopback address), SIGTERM or SIGINT closes every connection, joins every thread, prints
    'chat-server stopped' and exits 0. A bad or oversized frame closes only its connection; a
    reader that falls more than 4 MiB behind is disconnected, and a connection is not read while
    more than 2 MiB waits for it. Names over 64 bytes, titles over 256 and lines over 16,384 are
    refused with a system message. At the descriptor limit new clients are closed at once.

    OPTIONS:
      --port P          Port to listen on; 0 picks a free one (required).
      --host H          Address to listen on (default 127.0.0.1).
      --format F        json (default) or protobuf.
      --workers N       Event-loop threads (default 1); connections are spread round-robin.
      --max-frame B     Largest frame body a client may send (default 16384, at most 65535).
      --no-shutdown     Refuse /shutdown from every client (default: only from loopback peers).
      --idle-timeout D  Close a connection that sends nothing for D (default 10m; e.g. 30s, 0 never).
      --frame-timeout D Close a connection that leaves a frame unfinished for D (default 10s; 0 never).
      -h, --help        Show this help.

    CLUSTER-BACKED (rooms shared by every chat server attached to the same cluster):
      --management HOST:PORT
                        The cluster's management node. The server becomes a chat front door
                        (a cluster node named by --name) and the rooms live on the cluster's chat
                        node. It waits up to 10 s for the cluster before printing the listening
                        line; a command the cluster cannot take gets a system message saying so.
      --name NAME       The door's node name, chat-door-N (default chat-door-1); one per server.
      --listen HOST:PORT
                        Where the door listens for the cluster (default 127.0.0.1:0).
      --ping-interval D, --ping-timeout D
                        The cluster's ping timing (defaults 1s and 3s; use the cluster's).
      SIGINT or SIGTERM stops a cluster-backed server cleanly (its members leave their rooms).

    """
    static let spec = ArgumentSpec(valued: ["--port", "--host", "--format", "--workers", "--max-frame", "--management",
                                            "--name", "--listen", "--ping-interval", "--ping-timeout",
                                            "--idle-timeout", "--frame-timeout"],
                                   flags: ["--no-shutdown"])

    static func run(_ args: ParsedArguments) -> Int32 {
        var configuration = ChatServerConfiguration()
        do {
            guard args.value("--port") != nil else { throw UsageError("missing --port (use 0 for a free port)") }
            configuration.port = try args.integer("--port", default: 0, in: 0...65535)
            configuration.host = args.value("--host") ?? "127.0.0.1"
            configuration.format = try chatFormat(args)
            configuration.workers = try args.integer("--workers", default: 1, in: 1...256)
            configuration.maxFrameBody = try args.integer("--max-frame", default: 16384, in: 1...65535)
            if args.has("--no-shutdown") { configuration.shutdownPolicy = .never }
            configuration.idleTimeoutMilliseconds = try timeout(args, "--idle-timeout", default: configuration.idleTimeoutMilliseconds)
            configuration.partialFrameTimeoutMilliseconds = try timeout(args, "--frame-timeout",
                                                                        default: configuration.partialFrameTimeoutMilliseconds)
            if args.value("--management") != nil { return try runClusterBacked(configuration, args) }
            for option in ["--name", "--listen", "--ping-interval", "--ping-timeout"] where args.value(option) != nil {
                throw UsageError("option '\(option)' needs --management HOST:PORT (a cluster-backed server)")
            }
        } catch {
            fail("chat-server: \(error)", hint: "Try 'simctl chat-server --help'.")
        }
        // Signals are taken by one thread; every thread started from here on inherits the mask.
        StopSignals.block()
        let server = ChatServer(configuration: configuration)
        do {
            try server.start()
        } catch {
            printError("simctl: chat-server: \(error)")
            return 1
        }
        print("chat-server listening on \(configuration.host):\(server.port) (format \(configuration.format.rawValue), \(configuration.workers) worker\(configuration.workers == 1 ? "" : "s"))")
        fflush(nil)
        let signals = Thread {
            let received = StopSignals.wait()
            printError("chat-server: stopping on \(StopSignals.describe(received))")
            server.requestStop()
        }
        signals.start()
        server.wait()
        print("chat-server stopped")
        fflush(nil)
        return 0
    }

    /// Reads a timeout option (`30s`, `10m`, `500ms`; `0` turns it off).
    /// - Returns: milliseconds, nil for off, or `fallback` when the option is absent.
    /// - Throws: `UsageError` for a bad duration.
    private static func timeout(_ args: ParsedArguments, _ option: String, default fallback: Int?) throws -> Int? {
        guard let text = args.value(option) else { return fallback }
        if text == "0" { return nil }
        let duration = try NodeOptions.duration(args, option, default: .zero)
        let ms = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        guard ms >= 1 else { throw UsageError("option '\(option)' expects a duration such as 30s or 10m, or 0 for never; got '\(text)'") }
        return Int(ms)
    }
}

/// Reads `--format json|protobuf` (default json).
/// - Throws: `UsageError` naming the bad value.
func chatFormat(_ args: ParsedArguments) throws(UsageError) -> ChatWireFormat {
    guard let text = args.value("--format") else { return .json }
    guard let format = ChatWireFormat(rawValue: text) else {
        throw UsageError("option '--format' expects json or protobuf, got '\(text)'")
    }
    return format
}
