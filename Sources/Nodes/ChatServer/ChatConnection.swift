import NetModel

/// One client connection of the chat server, owned by exactly one event loop (never touched by
/// another thread): its socket, the frames read so far, and the bytes waiting to be written.
final class ChatConnection {
    /// The server-wide connection number; also the member id (its decimal string) and the
    /// epoll token.
    let id: Int
    /// The member this connection is in the rooms.
    let member: ChatMemberID
    /// The peer address written as the reference server names a new member: `('127.0.0.1', 34412)`.
    let peerName: String
    let socket: Socket
    var decoder: ChatFrameDecoder
    var outbox: ChatOutbox
    /// Whether the connection is in its loop's list of connections to flush this iteration.
    var isDirty = false
    /// Whether epoll also watches it for writability (output is waiting).
    var watchesWritable = false

    init(id: Int, socket: Socket, peerName: String, configuration: ChatServerConfiguration) {
        self.id = id
        self.member = ChatMemberID(String(id))
        self.peerName = peerName
        self.socket = socket
        self.decoder = ChatFrameDecoder(format: configuration.format, maxBody: configuration.maxFrameBody)
        self.outbox = ChatOutbox(limit: configuration.maxPendingOutput)
    }

    /// The name the reference server gives a new member: `('HOST', PORT)`.
    static func peerName(host: String, port: Int) -> String { "('\(host)', \(port))" }
}
