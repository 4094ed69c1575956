import Foundation
import Glibc
import NetModel
import Nodes

/// `simctl chat-client`: an interactive client of the chat server, for a person in a terminal
/// (and for scripts: standard input may be a pipe).
enum ChatClientCommand: Command {
    static let name = "chat-client"
    static let summary = "Talk to a chat server interactively (/help lists the commands)"
    static let help = """
    USAGE: simctl chat-client --port P [--host H] [--format json|protobuf]

    Connects to a chat server and reads lines from standard input: commands (/name, /rooms,
    /create, /join, /leave, /shutdown, /help, /quit) or chat lines for the others in your room.
    Prints system messages as '[시스템 메시지] TEXT', chat lines as '[NAME] TEXT', and room lists
    one room per line. Exits 0 on /quit or at the end of input (after the server's answers to
    what was sent have arrived), 1 when the server closes the connection or cannot be reached.

    OPTIONS:
      --port P          The server's port (required).
      --host H          The server's address (default 127.0.0.1).
      --format F        json (default) or protobuf; must match the server's.
      -h, --help        Show this help.

    """
    static let spec = ArgumentSpec(valued: ["--port", "--host", "--format"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let host = args.value("--host") ?? "127.0.0.1"
        let port: Int
        let format: ChatWireFormat
        do {
            guard args.value("--port") != nil else { throw UsageError("missing --port") }
            port = try args.integer("--port", default: 0, in: 1...65535)
            format = try chatFormat(args)
        } catch {
            fail("chat-client: \(error)", hint: "Try 'simctl chat-client --help'.")
        }
        signal(SIGPIPE, SIG_IGN)
        let socket: Socket
        do {
            socket = try Socket.connect(host: host, port: port)
        } catch {
            printError("simctl: chat-client: cannot connect to \(host):\(port): \(error) (is the chat server running?)")
            return 1
        }
        defer { socket.close() }
        print("connected to \(host):\(port) (\(format.rawValue)); type /help for the commands")
        fflush(nil)
        var session = ChatClientSession(socket: socket, format: format)
        return session.run()
    }
}

/// The client's loop: `poll` on standard input and the socket.
struct ChatClientSession {
    let socket: Socket
    let format: ChatWireFormat
    var decoder: ChatFrameDecoder
    var lineBuffer: [UInt8] = []
    var inputClosed = false
    /// Whether this client sent `/shutdown` (the server closing is then expected).
    var sentShutdown = false

    init(socket: Socket, format: ChatWireFormat) {
        self.socket = socket
        self.format = format
        self.decoder = ChatFrameDecoder(format: format)
    }

    /// Runs until `/quit`, the end of input (then waits up to 2 s for the server's last
    /// answers), or the server closing.
    /// - Returns: the exit status.
    mutating func run() -> Int32 {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var fds = [pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)]
            if !inputClosed { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), inputClosed ? 2000 : -1)
            if ready < 0 {
                if errno == EINTR { continue }
                printError("simctl: chat-client: poll failed (errno \(errno))")
                return 1
            }
            if ready == 0 { return 0 }  // input ended and the server has been quiet for 2 s
            if fds[0].revents != 0 {
                guard receive(&buffer) else { return inputClosed || sentShutdown ? 0 : 1 }
            }
            if fds.count > 1, fds[1].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                if count <= 0 {
                    inputClosed = true
                    if let status = typed(flushingLastLine: true) { return status }
                    socket.shutdownWrite()
                } else {
                    lineBuffer.append(contentsOf: buffer[..<count])
                    if let status = typed(flushingLastLine: false) { return status }
                }
            }
        }
    }

    /// Reads from the server and prints what decodes.
    /// - Returns: `false` when the connection ended (the reason is printed).
    private mutating func receive(_ buffer: inout [UInt8]) -> Bool {
        let count: Int
        do {
            switch try buffer.withUnsafeMutableBytes({ try socket.read(into: $0) }) {
            case .bytes(let n): count = n
            case .wouldBlock: return true
            case .closed:
                if !inputClosed && !sentShutdown { print("server closed the connection") }
                return false
            }
        } catch {
            printError("simctl: chat-client: connection lost: \(error)")
            return false
        }
        decoder.append(buffer[..<count])
        do {
            while let message = try decoder.nextServerMessage() {
                print(ChatClientInput.display(message))
            }
        } catch {
            printError("simctl: chat-client: the server sent something unreadable: \(error)")
            return false
        }
        fflush(nil)
        return true
    }

    /// Handles every complete typed line (and the unterminated last one at end of input).
    /// - Returns: an exit status when the client should stop.
    private mutating func typed(flushingLastLine: Bool) -> Int32? {
        while let newline = lineBuffer.firstIndex(of: UInt8(ascii: "\n")) ?? (flushingLastLine && !lineBuffer.isEmpty ? lineBuffer.count : nil) {
            let line = String(decoding: lineBuffer[..<newline], as: UTF8.self)
            lineBuffer.removeFirst(min(newline + 1, lineBuffer.count))
            switch ChatClientInput.parse(line) {
            case .nothing: continue
            case .help: print(ChatClientInput.helpText)
            case .quit: return 0
            case .invalid(let why): print(why)
            case .send(let message):
                if message == .shutdown { sentShutdown = true }
                do {
                    try socket.writeAll(ChatWire.encode(message, format: format))
                } catch {
                    printError("simctl: chat-client: cannot send: \(error)")
                    return 1
                }
            }
            fflush(nil)
        }
        return nil
    }
}
