import Foundation
import Glibc
import NetModel
import Nodes
import Testing

/// One raw chat connection for these tests: sends `/rooms` and says whether it got an answer or
/// saw the connection close, each wait bounded.
private final class RoomsProbe {
    let socket: Socket
    private var decoder = ChatFrameDecoder(format: .json)
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(port: Int) throws {
        socket = try Socket.connect(host: "127.0.0.1", port: port)
    }

    deinit { socket.close() }

    enum Outcome: Equatable { case answered, closed, silent }

    /// Sends `/rooms` and waits up to `milliseconds` for the room list or the end of the connection.
    func ask(milliseconds: Int32 = 3000) -> Outcome {
        do {
            try socket.writeAll(ChatWire.encode(.rooms, format: .json))
        } catch {
            return .closed
        }
        return awaitAnswer(milliseconds: milliseconds)
    }

    func awaitAnswer(milliseconds: Int32) -> Outcome {
        var left = milliseconds
        while left > 0 {
            if case .roomsResult? = try? decoder.nextServerMessage() { return .answered }
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: left) }) {
                case .bytes(let n): decoder.append(buffer[..<n])
                case .closed: return .closed
                case .wouldBlock: break
                }
            } catch {
                return .closed  // reset
            }
            left -= Int32(clamping: (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) + 1
        }
        return .silent
    }
}

@Suite("simctl chat-server under attack: the descriptor limit, SIGTERM (the built binary)")
struct SimctlChatLimitsTests {
    @Test("at the descriptor limit new clients are closed at once; the others are still served, and room comes back")
    func descriptorLimit() throws {
        let simctl = try #require(builtSimctl())
        // A child shell lowers RLIMIT_NOFILE to 40 for the server only, then becomes it.
        let server = try LineProcess(URL(fileURLWithPath: "/bin/sh"),
                                     ["-c", "ulimit -n 40 && exec \"$0\" chat-server --port 0", simctl.path],
                                     standardError: .mergedWithOutput)
        defer { _ = server.stop(grace: 5) }
        let address = try #require(server.listeningAddress(), "\(server.output)")
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        var probes: [RoomsProbe] = []
        var outcomes: [RoomsProbe.Outcome] = []
        for _ in 0..<60 {
            let probe = try RoomsProbe(port: port)
            outcomes.append(probe.ask())
            probes.append(probe)
        }
        let served = outcomes.filter { $0 == .answered }.count
        #expect(served >= 20, "\(outcomes)")
        #expect(served < 60, "the limit was never reached: \(outcomes)")
        #expect(!outcomes.contains(.silent), "a client waited with no answer: \(outcomes)")
        // The clients it holds are still served.
        let held = zip(probes, outcomes).filter { $0.1 == .answered }.map(\.0)
        #expect(held.allSatisfy { $0.ask() == .answered })
        // Room comes back when some leave. Each of five clients half-closes and waits for the
        // server's close of its side (the event that its descriptor is free again); then a new
        // client is served, at once or when the listener's accept back-off ends.
        for probe in held.prefix(5) { probe.socket.shutdownWrite() }
        for probe in held.prefix(5) {
            #expect(probe.awaitAnswer(milliseconds: 30_000) == .closed, "the server did not close a client that left")
        }
        #expect(try RoomsProbe(port: port).ask(milliseconds: 30_000) == .answered)
        #expect(server.output.contains { $0.contains("cannot accept a connection") && $0.contains("Too many open files") })
    }

    @Test("SIGTERM and SIGINT stop chat-server with 'chat-server stopped' and exit 0", arguments: [SIGTERM, SIGINT])
    func stopSignal(signal: Int32) throws {
        let simctl = try #require(builtSimctl())
        let server = try LineProcess(simctl, ["chat-server", "--port", "0"], standardError: .mergedWithOutput)
        defer { _ = server.stop(grace: 5) }
        let address = try #require(server.listeningAddress(), "\(server.output)")
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        let probe = try RoomsProbe(port: port)
        #expect(probe.ask() == .answered)
        server.kill(signal)
        #expect(server.waitForEnd(within: 10))
        #expect(server.process.terminationStatus == 0)
        #expect(server.process.terminationReason == .exit)
        #expect(server.output.contains("chat-server stopped"), "\(server.output)")
    }
}
