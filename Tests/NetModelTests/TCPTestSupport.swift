import Foundation
import Glibc
import Synchronization
import Testing
@testable import NetModel

/// The payload of the TCP tests.
struct Note: NetworkPayload, Codable, Equatable {
    var text: String
    var n: Int = 0
    var traceLabel: String { "Note" }
}

/// What a node received, as comparable text: `msg client-1 hello#3`, `open s1 client-1`,
/// `on s1 hello#3`, `closed s1 peer-crashed`.
func describe(_ inbound: Inbound<Note>) -> String {
    switch inbound {
    case .message(let e): "msg \(e.source) \(e.payload.text)#\(e.payload.n)"
    case .streamOpened(let s, let peer): "open \(s) \(peer)"
    case .streamMessage(let s, _, let p): "on \(s) \(p.text)#\(p.n)"
    case .streamClosed(let s, _, let reason): "closed \(s) \(reason.rawValue)"
    }
}

/// A condition for real-socket tests: threads that change something call `notify()`; a test
/// waits until its predicate holds, woken by each notification (no polling, no sleep), and
/// gives up at a deadline so a broken implementation fails instead of hanging.
final class ChangeSignal: Sendable {
    private let condition = NSCondition()

    /// Wakes every waiter to look again.
    func notify() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `predicate` holds or `deadline` passes; `predicate` is evaluated under the
    /// signal's lock, so a `notify()` after a change it missed wakes it.
    /// - Returns: whether the predicate held in time.
    @discardableResult
    func wait(until deadline: Date, for predicate: () -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !predicate() {
            guard condition.wait(until: deadline) else { return predicate() }
        }
        return true
    }

    /// Waits up to `seconds` until `predicate` holds.
    /// - Returns: whether it held in time.
    @discardableResult
    func wait(within seconds: Double = 5, for predicate: () -> Bool) -> Bool {
        wait(until: Date(timeIntervalSinceNow: seconds), for: predicate)
    }
}

/// A thread-safe record of what a node's handler got; each arrival wakes `wait`.
final class Inbox: Sendable {
    private let items = Mutex<[Inbound<Note>]>([])
    private let arrivals = ChangeSignal()

    var handler: @Sendable (Inbound<Note>) -> Void {
        { [self] inbound in
            items.withLock { $0.append(inbound) }
            arrivals.notify()
        }
    }

    var all: [Inbound<Note>] { items.withLock { $0 } }
    var lines: [String] { all.map(describe) }
    var count: Int { items.withLock { $0.count } }

    /// The payloads of one-shot messages, in arrival order.
    var messages: [Note] {
        all.compactMap { if case .message(let e) = $0 { e.payload } else { nil } }
    }

    /// The streams that were opened to this node.
    var openedStreams: [StreamID] {
        all.compactMap { if case .streamOpened(let s, _) = $0 { s } else { nil } }
    }

    /// Waits, woken by each arrival, until `condition` holds for this inbox or `deadline` passes.
    /// - Returns: whether it held in time.
    @discardableResult
    func wait(until deadline: Date, for condition: (Inbox) -> Bool) -> Bool {
        arrivals.wait(until: deadline) { condition(self) }
    }

    /// Waits up to `seconds` (5 unless told) until `condition` holds for this inbox.
    /// - Returns: whether it held in time.
    @discardableResult
    func wait(within seconds: Double = 5, for condition: (Inbox) -> Bool) -> Bool {
        wait(until: Date(timeIntervalSinceNow: seconds), for: condition)
    }
}

extension TCPNetwork {
    /// Waits up to `seconds` (5 unless told) until the counters satisfy `condition`, woken by
    /// each change of them.
    /// - Returns: whether they did in time.
    @discardableResult
    func waitForStats(within seconds: Double = 5, _ condition: (TCPStats) -> Bool) -> Bool {
        waitForStats(timeout: .milliseconds(Int(seconds * 1_000)), until: condition)
    }
}

/// Waits until `socket` is ready for `events` (POLLIN, POLLOUT; errors and hang-ups always
/// count) or `deadline` passes, in poll(2).
/// - Returns: whether it became ready in time.
func awaitReady(_ socket: Socket, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
    while true {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        let milliseconds = Int32((left / .milliseconds(1)).rounded(.up))
        var entry = pollfd(fd: socket.fd, events: events, revents: 0)
        let rc = poll(&entry, 1, milliseconds)
        if rc > 0 { return true }
        if rc < 0, errno != EINTR { return false }
    }
}

func nodeName(_ text: String) -> NodeName { NodeName(parsing: text)! }

/// Options for tests: two workers, fast reconnects, and a log that goes nowhere.
func testOptions(_ change: (inout TCPOptions) -> Void = { _ in }) -> TCPOptions {
    var options = TCPOptions()
    options.workers = 2
    options.reconnectBaseMilliseconds = 10
    options.reconnectCapMilliseconds = 100
    change(&options)
    return options
}

/// Runs `body` with a fresh network that is shut down afterwards, whatever happens.
func withNetwork<T>(
    _ options: TCPOptions = testOptions(), _ body: (TCPNetwork<Note>) throws -> T
) throws -> T {
    let network = try TCPNetwork<Note>(options: options)
    defer { network.shutdown() }
    return try body(network)
}

/// A hand-driven peer on a plain socket that speaks (or breaks) the frame protocol.
final class RawPeer {
    let socket: Socket

    /// Connects to `address` (bounded to 5 s).
    init(connectingTo address: SocketAddress) throws {
        socket = try Socket.connect(to: address)
        let epoll = try EPoll()
        try epoll.register(fd: socket.fd, events: .writable, token: 1)
        var events: [EPollEvent] = []
        try epoll.wait(timeoutMilliseconds: 5_000, into: &events)
        try socket.finishConnect()
        socket.setNoDelay()
    }

    deinit { socket.close() }

    /// Sends a hello as `from`, asking for `to`.
    /// - Returns: the bytes written.
    @discardableResult
    func hello(from: String, to: String) throws -> Int {
        let body = try MessagePackEncoder().encode(TCPHello(from: nodeName(from), to: nodeName(to), listen: nil))
        let frame = TCPFrame(kind: .hello, body: body).encoded
        try write(frame)
        return frame.count
    }

    /// Writes all of `bytes` (waiting in poll(2) while the socket is full, up to 5 s in all).
    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while offset < bytes.count {
            let n = try bytes.withUnsafeBytes { try socket.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if let n { offset += n } else {
                guard awaitReady(socket, for: Int16(POLLOUT), until: deadline) else {
                    throw SocketError("test write", code: ETIMEDOUT)
                }
            }
        }
    }

    /// Reads until the peer closes or resets the connection (true) or 5 s pass (false); data is
    /// discarded. Waits for input in poll(2).
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let result = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
            switch result {
            case .closed?, nil: return true  // nil: reset by peer
            case .bytes?: continue
            case .wouldBlock?: guard awaitReady(socket, for: Int16(POLLIN), until: deadline) else { return false }
            }
        }
    }
}

/// A message frame carrying `note` encoded with MessagePack.
func messageFrame(_ note: Note, id: UInt64 = 1) throws -> TCPFrame {
    TCPFrame(kind: .message, messageID: id, body: try MessagePackEncoder().encode(note))
}
