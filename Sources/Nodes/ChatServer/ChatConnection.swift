import NetModel

/// What the event loop writes to for one connection: its unwritten bytes and two flags. Kept out
/// of line (the connection and the loop's slot table point at it), so a fan-out reaches it by slot
/// without retaining the connection or a dynamic exclusivity check per recipient.
struct ChatOutput {
    /// The bytes waiting to be written.
    var buffer: OutboundBuffer
    /// Whether the connection is in its loop's list of connections to flush this turn.
    var isDirty = false
    /// More than the output limit was queued for it: it is closed at the end of the turn as a
    /// slow consumer, and nothing more is queued meanwhile.
    var overflowed = false

    /// Appends `bytes` (dropped once it overflowed; past the limit it overflows) and marks it
    /// dirty, in one access to the output.
    /// - Returns: true when it was not dirty yet: add its slot to the loop's flush list.
    @inline(__always)
    mutating func queue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if !overflowed {
            buffer.append(bytes)
            if buffer.isOverLimit { overflowed = true }
        }
        if isDirty { return false }
        isDirty = true
        return true
    }
}

/// One client connection of the chat server, owned by exactly one event loop (never touched by
/// another thread): its socket, the frames read so far, and the bytes waiting to be written.
final class ChatConnection {
    /// The server-wide connection number; also the member id (its decimal string).
    let id: Int
    /// Its index in its loop's connection slots; also its epoll token and its route in the
    /// backend's chat-line fast path.
    let slot: Int
    /// The member this connection is in the rooms.
    let member: ChatMemberID
    /// The peer address written as the reference server names a new member: `('127.0.0.1', 34412)`.
    let peerName: String
    /// The peer's address (nil when the system could not tell).
    let peer: SocketAddress?
    let socket: Socket
    var decoder: ChatFrameDecoder
    /// The bytes waiting to be written and the flush flags (see `ChatOutput`).
    let output: UnsafeMutablePointer<ChatOutput>
    var deadlines: ConnectionDeadlines
    /// What epoll watches now.
    var interest: EPollEvents = .readable
    /// Reading stopped: more than half the output limit waits for this connection (its input
    /// budget); it reads again once the output drains.
    var readPaused = false

    init(id: Int, slot: Int, socket: Socket, peer: SocketAddress?, configuration: ChatServerConfiguration, now: Int64) {
        self.id = id
        self.slot = slot
        self.member = ChatMemberID(String(id))
        self.peer = peer
        self.peerName = Self.peerName(host: peer?.host ?? "?", port: Int(peer?.port ?? 0))
        self.socket = socket
        self.decoder = ChatFrameDecoder(format: configuration.format, maxBody: configuration.maxFrameBody)
        output = .allocate(capacity: 1)
        output.initialize(to: ChatOutput(buffer: OutboundBuffer(limit: configuration.maxPendingOutput)))
        deadlines = ConnectionDeadlines(
            idleTimeout: configuration.idleTimeoutMilliseconds.map(Int64.init),
            partialFrameTimeout: configuration.partialFrameTimeoutMilliseconds.map(Int64.init), now: now)
    }

    deinit {
        output.deinitialize(count: 1)
        output.deallocate()
    }

    /// The bytes waiting to be written.
    var outbox: OutboundBuffer {
        _read { yield output.pointee.buffer }
        _modify { yield &output.pointee.buffer }
    }

    /// Whether a frame is partly received.
    var hasPartialFrame: Bool { decoder.bufferedByteCount > 0 || decoder.isAwaitingBody }

    /// The name the reference server gives a new member: `('HOST', PORT)`.
    static func peerName(host: String, port: Int) -> String { "('\(host)', \(port))" }
}
