import Foundation
import Glibc
import NetModel
import Nodes
import Synchronization
import Testing
@testable import ClusterSim

/// What a cluster chat test waited for and did not get.
struct ClusterChatTestError: Error, CustomStringConvertible {
    let description: String
}

/// A chat client that speaks the documented bytes (`ChatWire` frames out, `ChatFrameDecoder` in).
/// Every wait is bounded: a read waits on the socket (poll) up to the timeout, never sleeps. The
/// default timeout is a deadline for a hang (30 s, for a loaded machine), not an expected delay.
final class ClusterChatClient {
    let socket: Socket
    private var decoder: ChatFrameDecoder
    let format: ChatWireFormat
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(port: Int, format: ChatWireFormat) throws {
        socket = try Socket.connect(host: "127.0.0.1", port: port)
        self.format = format
        decoder = ChatFrameDecoder(format: format)
    }

    deinit { socket.close() }

    /// The name a server gives this client before `/name`: `('127.0.0.1', PORT)`.
    var defaultName: String {
        get throws { "('127.0.0.1', \(try socket.localAddress.port))" }
    }

    func send(_ message: ChatClientMessage) throws {
        try socket.writeAll(ChatWire.encode(message, format: format))
    }

    /// The next message from the server.
    /// - Throws: when none arrives within `timeoutMilliseconds` or the connection closes.
    func next(timeoutMilliseconds: Int = 30_000) throws -> ChatServerMessage {
        let deadline = Self.nowMilliseconds() + timeoutMilliseconds
        while true {
            if let message = try decoder.nextServerMessage() { return message }
            let left = deadline - Self.nowMilliseconds()
            guard left > 0 else { throw ClusterChatTestError(description: "no message within \(timeoutMilliseconds) ms") }
            switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: Int32(left)) }) {
            case .bytes(let n): decoder.append(buffer[..<n])
            case .wouldBlock: continue
            case .closed: throw ClusterChatTestError(description: "the server closed the connection")
            }
        }
    }

    /// The next message, which must be a system message.
    func nextSystem(timeoutMilliseconds: Int = 30_000) throws -> String {
        let message = try next(timeoutMilliseconds: timeoutMilliseconds)
        guard case .system(let text) = message else {
            throw ClusterChatTestError(description: "expected a system message, got \(message)")
        }
        return text
    }

    /// Whether nothing arrives within `milliseconds` (to show that a member got no copy).
    func staysQuiet(milliseconds: Int) throws -> Bool {
        do {
            let message = try next(timeoutMilliseconds: milliseconds)
            Issue.record("unexpected message \(message)")
            return false
        } catch let error as ClusterChatTestError where error.description.hasPrefix("no message") {
            return true
        }
    }

    static func nowMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }
}

/// Management, session and chat nodes of one cluster in this process, on loopback TCP.
final class LoopbackChatCluster {
    let process: RealNodeProcess
    let management: SocketAddress
    let settings: ClusterSettings
    /// The node events (registrations, removals, fencing, …) of the cluster's nodes, as they happen.
    let events = NodeEventLog()

    init(settings: ClusterSettings, chat: Bool = true) throws {
        self.settings = settings
        let events = self.events
        process = try RealNodeProcess(host: "127.0.0.1", management: nil, seed: 11, settings: settings,
                                      tap: { events.add($0) })
        let any = SocketAddress(host: "127.0.0.1", port: 0)
        management = try process.startServer(.management, listen: any)
        _ = try process.startServer(.session, listen: any)
        if chat {
            _ = try process.startServer(NodeName(.chat, 1), listen: any)
            // A starting chat node tells every member online at the session node that it
            // (re)started. A door can be ready before that broadcast is executed (the chat node may
            // register before it knows the session node): a client connected in that window gets
            // the notice as its first message. The cluster is ready once it was executed.
            guard events.first(within: 30, where: Self.isChatStartBroadcast) != nil else {
                stop()
                throw ClusterChatTestError(description: "the chat node's start broadcast was not executed in 30 s:\n"
                                           + events.lines.joined(separator: "\n"))
            }
        }
    }

    /// The session node executed the chat node's start broadcast (`ChatPush.restarted`).
    static func isChatStartBroadcast(_ event: TraceEvent) -> Bool {
        event.label == NodeLog.requestExecuted && event.node == .session
            && event.fields.text("origin") == NodeName(.chat, 1).description && event.fields.text("service") == "Broadcast"
    }

    /// The manager's removal of `node` after its ping timeout, waiting up to `seconds` for it.
    func removalByPingTimeout(of node: NodeName, within seconds: Double) -> TraceEvent? {
        events.first(within: seconds) {
            $0.label == NodeLog.nodeRemoved && $0.fields.text("name") == node.description
                && $0.fields.text("reason") == "pingTimeout"
        }
    }

    func stop() { process.stop() }
}

/// A chat server whose rooms are the cluster's: a `ChatServer` with its own `ClusterChatBackend`.
final class ChatDoorServer {
    let backend: ClusterChatBackend
    let server: ChatServer
    /// The server's and the door's log lines.
    let lines = LogBox()

    init(_ index: Int, cluster: LoopbackChatCluster, format: ChatWireFormat, waitReady: Bool = true,
         backlogLimit: Int = 10_000) throws {
        let lines = self.lines
        backend = try ClusterChatBackend(name: NodeName(.chatDoor, index), management: cluster.management,
                                         settings: cluster.settings, seed: UInt64(100 + index), backlogLimit: backlogLimit,
                                         log: { lines.add($0) })
        server = ChatServer(configuration: ChatServerConfiguration(port: 0, format: format, workers: 2), backend: backend,
                            log: { lines.add($0) })
        backend.attach(to: server)
        do {
            try server.start()
        } catch {
            backend.kill()
            throw error
        }
        if waitReady, !backend.waitUntilReady(within: .seconds(5)) {
            stop()
            throw ClusterChatTestError(description: "chat-door-\(index) did not become ready in 5 s")
        }
    }

    var port: Int { server.port }

    /// Stops the server, then the door cleanly (its members leave their rooms).
    func stop() {
        server.requestStop()
        server.wait()
        backend.stop()
    }

    /// Stops the server, then the door abruptly (the cluster finds out by the ping timeout).
    func kill() {
        server.requestStop()
        server.wait()
        backend.kill()
    }
}

/// Log lines, thread-safe.
final class LogBox: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// The node events (`TraceKind.node`) a real runtime's tap saw, thread-safe; a waiter is woken by
/// each new event (no polling).
final class NodeEventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [TraceEvent] = []

    /// Keeps `event` when it is a node event; wakes the waiters.
    func add(_ event: TraceEvent) {
        guard event.kind == .node else { return }
        condition.lock()
        events.append(event)
        condition.broadcast()
        condition.unlock()
    }

    /// Every node event so far.
    var all: [TraceEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }

    /// The first event for which `match` holds, waiting up to `seconds` for it.
    func first(within seconds: Double, where match: (TraceEvent) -> Bool) -> TraceEvent? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let hit = events.first(where: match) { return hit }
            guard condition.wait(until: deadline) else { return events.first(where: match) }
        }
    }

    /// The events as lines `at node label detail`, for a failure message.
    var lines: [String] { all.map { "\($0.at) \($0.node.map(\.description) ?? "-") \($0.label) \($0.detail)" } }
}
