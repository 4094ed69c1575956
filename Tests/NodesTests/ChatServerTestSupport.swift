import Glibc
import NetModel
import Synchronization
import Testing
@testable import Nodes

/// A failure of a test client: what it waited for and did not get.
struct ChatTestClientError: Error, CustomStringConvertible {
    let description: String
}

/// A chat client for tests that speaks the documented bytes: frames are built by `ChatWire`
/// (or by hand for malformed input) and replies decoded by `ChatFrameDecoder`. Every wait is
/// bounded (3 s by default).
final class ChatTestClient {
    let socket: Socket
    let format: ChatWireFormat
    private var decoder: ChatFrameDecoder
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(port: Int, format: ChatWireFormat) throws {
        socket = try Socket.connect(host: "127.0.0.1", port: port)
        self.format = format
        decoder = ChatFrameDecoder(format: format)
    }

    deinit { socket.close() }

    /// The name the server gives this client before `/name`: `('127.0.0.1', PORT)`.
    var defaultName: String {
        get throws { "('127.0.0.1', \(try socket.localAddress.port))" }
    }

    func send(_ message: ChatClientMessage) throws {
        try socket.writeAll(ChatWire.encode(message, format: format))
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        try socket.writeAll(bytes)
    }

    /// The next message from the server.
    /// - Throws: when none arrives within `timeoutMilliseconds`, the connection closes, or the
    ///   bytes do not decode.
    func next(timeoutMilliseconds: Int32 = 3000) throws -> ChatServerMessage {
        let deadline = Self.nowMilliseconds() + Int(timeoutMilliseconds)
        while true {
            if let message = try decoder.nextServerMessage() { return message }
            let left = deadline - Self.nowMilliseconds()
            guard left > 0 else { throw ChatTestClientError(description: "no message within \(timeoutMilliseconds) ms") }
            switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: Int32(left)) }) {
            case .bytes(let n): decoder.append(buffer[..<n])
            case .wouldBlock: continue
            case .closed: throw ChatTestClientError(description: "the server closed the connection")
            }
        }
    }

    /// The next message, which must be a system message.
    func nextSystem() throws -> String {
        let message = try next()
        guard case .system(let text) = message else {
            throw ChatTestClientError(description: "expected a system message, got \(message)")
        }
        return text
    }

    /// Reads until the server closes the connection.
    /// - Returns: the messages received before the close, or `nil` when it stayed open for
    ///   `timeoutMilliseconds`.
    func untilClosed(timeoutMilliseconds: Int = 3000) -> [ChatServerMessage]? {
        var received: [ChatServerMessage] = []
        let deadline = Self.nowMilliseconds() + timeoutMilliseconds
        while Self.nowMilliseconds() < deadline {
            while let message = try? decoder.nextServerMessage() { received.append(message) }
            let left = Int32(max(deadline - Self.nowMilliseconds(), 1))
            do {
                switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: left) }) {
                case .bytes(let n): decoder.append(buffer[..<n])
                case .wouldBlock: continue
                case .closed: return received
                }
            } catch {
                return received  // reset by the server: closed as well
            }
        }
        return nil
    }

    static func nowMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }
}

/// Log lines a server wrote, for assertions.
final class ChatLogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Runs `body` with a chat server on a free loopback port, and always stops it (every thread
/// joined) afterwards.
func withChatServer<R>(
    format: ChatWireFormat, workers: Int = 1, log: ChatLogLines = ChatLogLines(),
    configure: (inout ChatServerConfiguration) -> Void = { _ in },
    _ body: (ChatServer) throws -> R
) throws -> R {
    var configuration = ChatServerConfiguration(port: 0, format: format, workers: workers)
    configure(&configuration)
    let server = ChatServer(configuration: configuration, log: { log.append($0) })
    try server.start()
    defer {
        server.requestStop()
        server.wait()
    }
    return try body(server)
}
