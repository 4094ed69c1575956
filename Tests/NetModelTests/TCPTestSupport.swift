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

/// A thread-safe record of what a node's handler got.
final class Inbox: Sendable {
    private let items = Mutex<[Inbound<Note>]>([])

    var handler: @Sendable (Inbound<Note>) -> Void {
        { [self] inbound in items.withLock { $0.append(inbound) } }
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
}

/// Polls `condition` every few milliseconds for up to `seconds` (real-socket tests only).
/// - Returns: whether it became true in time.
@discardableResult
func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
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
    private var decoder = TCPFrameDecoder(maxFrameSize: 1 << 24)

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
    func hello(from: String, to: String) throws {
        let body = try MessagePackEncoder().encode(TCPHello(from: nodeName(from), to: nodeName(to), listen: nil))
        try write(TCPFrame(kind: .hello, body: body).encoded)
    }

    /// Writes all of `bytes` (waiting while the socket is full, up to 5 s).
    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while offset < bytes.count {
            let n = try bytes.withUnsafeBytes { try socket.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if let n { offset += n } else {
                guard ContinuousClock.now < deadline else { throw SocketError("test write", code: ETIMEDOUT) }
                usleep(1_000)
            }
        }
    }

    /// Reads until the peer closes or resets the connection (true) or 5 s pass (false); data is discarded.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        return eventually {
            while true {
                let result = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
                switch result {
                case .closed?, nil: return true  // nil: reset by peer
                case .wouldBlock?: return false
                case .bytes?: continue
                }
            }
        }
    }

    /// Reads frames until `count` arrived or 5 s pass.
    func readFrames(_ count: Int) throws -> [TCPFrame] {
        var frames: [TCPFrame] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        _ = eventually {
            while frames.count < count, let frame = try? decoder.next() { frames.append(frame) }
            if frames.count >= count { return true }
            if case .bytes(let n)? = try? buffer.withUnsafeMutableBytes({ try socket.read(into: $0) }) {
                decoder.append(Array(buffer[..<n]))
            }
            return false
        }
        return frames
    }
}

/// A message frame carrying `note` encoded with MessagePack.
func messageFrame(_ note: Note, id: UInt64 = 1) throws -> TCPFrame {
    TCPFrame(kind: .message, messageID: id, body: try MessagePackEncoder().encode(note))
}
