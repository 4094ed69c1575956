import NetModel

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
    /// The bytes waiting to be written (kept out of line: the fan-out appends to it through the
    /// pointer, without a dynamic exclusivity check per recipient).
    let outbox: UnsafeMutablePointer<OutboundBuffer>
    var deadlines: ConnectionDeadlines
    /// Whether the connection is in its loop's list of connections to flush this iteration.
    var isDirty = false
    /// What epoll watches now.
    var interest: EPollEvents = .readable
    /// Reading stopped: more than half the output limit waits for this connection (its input
    /// budget); it reads again once the output drains.
    var readPaused = false
    /// More than the output limit was queued for it: it is closed at the end of the turn as a
    /// slow consumer, and nothing more is queued meanwhile.
    var overflowed = false

    init(id: Int, slot: Int, socket: Socket, peer: SocketAddress?, configuration: ChatServerConfiguration, now: Int64) {
        self.id = id
        self.slot = slot
        self.member = ChatMemberID(String(id))
        self.peer = peer
        self.peerName = Self.peerName(host: peer?.host ?? "?", port: Int(peer?.port ?? 0))
        self.socket = socket
        self.decoder = ChatFrameDecoder(format: configuration.format, maxBody: configuration.maxFrameBody)
        outbox = .allocate(capacity: 1)
        outbox.initialize(to: OutboundBuffer(limit: configuration.maxPendingOutput))
        deadlines = ConnectionDeadlines(
            idleTimeout: configuration.idleTimeoutMilliseconds.map(Int64.init),
            partialFrameTimeout: configuration.partialFrameTimeoutMilliseconds.map(Int64.init), now: now)
    }

    deinit {
        outbox.deinitialize(count: 1)
        outbox.deallocate()
    }

    /// Whether a frame is partly received.
    var hasPartialFrame: Bool { decoder.bufferedByteCount > 0 || decoder.isAwaitingBody }

    /// The name the reference server gives a new member: `('HOST', PORT)`.
    static func peerName(host: String, port: Int) -> String { "('\(host)', \(port))" }
}
