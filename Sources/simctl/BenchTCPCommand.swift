import Foundation
import NetModel
import Synchronization

/// `simctl bench tcp`: echo throughput of the TCP transport between two `TCPNetwork`s on
/// loopback (each with its own reactor and workers, as two processes would have).
enum BenchTCP {
    static let usage = """
      simctl bench tcp [--nodes N] [--messages N] [--in-flight N] [--runs N] [--auth]
        N client nodes on one network send to a server node on another; the server echoes each
        message; each client keeps --in-flight messages unanswered (default: 4 clients,
        200000 messages, 64 in flight, 3 runs). Payload: an integer and 64 bytes of text.
        --auth: the senders are nodes of an authenticated network (handshake, a MAC per frame).
        Last line: 'messages/s=N' (echoed messages per second, median of the runs).
    """

    /// The benchmark's payload: a sequence number and 64 bytes of text.
    struct Ping: NetworkPayload, Codable {
        var n: Int
        var text: String
        var traceLabel: String { "Ping" }
    }

    /// The counts shared by every client of a run.
    final class Progress: Sendable {
        let claimed = Atomic<Int>(0)
        let echoed = Atomic<Int>(0)
        let total: Int
        let done = DispatchSemaphore(value: 0)

        init(total: Int) { self.total = total }
    }

    /// One client: sends the next message each time an echo comes back.
    final class Client: @unchecked Sendable {
        var transport: TCPTransport<Ping>!
        let progress: Progress
        let server: NodeName
        let text = String(repeating: "m", count: 64)

        init(progress: Progress, server: NodeName) {
            self.progress = progress
            self.server = server
        }

        /// Sends one more message if the total allows.
        func sendNext() {
            let n = progress.claimed.add(1, ordering: .relaxed).newValue
            guard n <= progress.total else { return }
            transport.send(Ping(n: n, text: text), to: server)
        }

        func received() {
            if progress.echoed.add(1, ordering: .relaxed).newValue == progress.total { progress.done.signal() }
            sendNext()
        }
    }

    struct Settings {
        var clients = 4
        var messages = 200_000
        var window = 64
        /// Node authentication on both networks, the senders being nodes (not clients).
        var authenticated = false
    }

    static func run(_ args: ParsedArguments) -> Int32 {
        var settings = Settings()
        let runs: Int
        do {
            settings.clients = try args.integer("--nodes", default: 4, in: 1...10_000)
            settings.messages = try args.integer("--messages", default: 200_000, in: 1...1_000_000_000)
            settings.window = try args.integer("--in-flight", default: 64, in: 1...100_000)
            runs = try args.integer("--runs", default: 3, in: 1...100)
            settings.authenticated = args.has("--auth")
        } catch {
            fail("bench: \(error)", hint: "Try 'simctl bench --help'.")
        }
        print("bench tcp: \(settings.clients) clients, \(settings.messages) messages echoed, "
              + "\(settings.window) in flight per client, \(runs) runs"
              + (settings.authenticated ? ", authenticated nodes (handshake, frame MACs)" : ""))
        var rates: [Double] = []
        for i in 1...runs {
            do {
                let (seconds, stats) = try once(settings)
                let rate = Double(settings.messages) / seconds
                rates.append(rate)
                print("run \(i): \(settings.messages) echoed in " + String(format: "%.3f", seconds)
                      + "s = " + String(format: "%.0f", rate) + " messages/s; client side: \(stats)")
            } catch {
                FileHandle.standardError.write(Data("simctl: bench tcp: \(error)\n".utf8))
                return 1
            }
        }
        let median = BenchCommand.median(rates)
        print("median: " + String(format: "%.0f", median) + " messages/s")
        print("messages/s=\(Int(median))")
        return 0
    }

    /// One run on fresh networks.
    /// - Returns: the seconds until every echo arrived, and the client network's counters.
    static func once(_ settings: Settings) throws -> (Double, TCPStats) {
        let directory = TCPDirectory()
        var options = TCPOptions()
        if settings.authenticated { options.authentication = TCPAuthentication(nodeKey: Array("bench tcp node key".utf8)) }
        let serverNetwork = try TCPNetwork<Ping>(options: options, directory: directory)
        let clientNetwork = try TCPNetwork<Ping>(options: options, directory: directory)
        defer {
            clientNetwork.shutdown()
            serverNetwork.shutdown()
        }
        let serverName = NodeName(.frontend, 1)
        let serverBox = Mutex<TCPTransport<Ping>?>(nil)
        let server = try serverNetwork.attach(local: serverName, listen: SocketAddress.loopback()) { inbound in
            guard case .message(let envelope) = inbound else { return }
            serverBox.withLock { $0 }?.send(envelope.payload, to: envelope.source)
        }
        serverBox.withLock { $0 = server }

        let progress = Progress(total: settings.messages)
        var clients: [Client] = []
        for i in 1...settings.clients {
            let client = Client(progress: progress, server: serverName)
            // Authenticated senders are nodes (a chat door's role), which run the handshake.
            let name = NodeName(settings.authenticated ? .chatDoor : .client, i)
            client.transport = try clientNetwork.attach(local: name, listen: nil) { inbound in
                if case .message = inbound { client.received() }
            }
            clients.append(client)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for client in clients {
            for _ in 0..<settings.window { client.sendNext() }
        }
        guard progress.done.wait(timeout: .now() + .seconds(120)) == .success else {
            throw BenchTCPError(message: "timed out after 120 s with \(progress.echoed.load(ordering: .relaxed)) of "
                                + "\(settings.messages) echoed; client side: \(clientNetwork.stats)")
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (seconds, clientNetwork.stats)
    }

    struct BenchTCPError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
