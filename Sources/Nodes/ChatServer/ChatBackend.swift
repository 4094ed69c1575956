import Synchronization

/// Where a chat server's rooms live: the room logic behind every front door (connection
/// handler) of one chat service.
///
/// The server calls it from its event-loop threads, possibly several at once; an implementation
/// is thread-safe. Each call returns the messages to send, in order, as `ChatEffect`s addressed
/// by member id; the server routes them to the members' connections. A backend that learns of
/// messages later (the cluster-backed one: rooms on the cluster's chat node, shared by every
/// chat front door of the cluster) hands them to `ChatServer.deliver(_:)` instead.
public protocol ChatBackend: AnyObject, Sendable {
    /// A connection opened: `member` joins the service under a default display name.
    /// - Returns: the effects to send (none for the reference behaviour).
    func connect(_ member: ChatMemberID, name: String) -> [ChatEffect]

    /// One decoded client message from `member`.
    /// - Returns: the effects to send, in order. `.shutdown` is handled by the server, never
    ///   passed here.
    func handle(_ message: ChatClientMessage, from member: ChatMemberID) -> [ChatEffect]

    /// `member`'s connection closed: it leaves its room and is forgotten.
    /// - Returns: the leave notices for the room's remaining members.
    func disconnect(_ member: ChatMemberID) -> [ChatEffect]
}

/// The in-process backend: one `ChatRooms` value behind one lock.
///
/// Every operation is a short critical section (the room logic only computes effects; encoding
/// and I/O happen outside the lock), so several event-loop threads share it with little
/// contention, and the order of effects for one room is the order the lock was taken in.
public final class LocalChatBackend: ChatBackend {
    private let rooms = Mutex(ChatRooms())

    /// A backend with no rooms and no members.
    public init() {}

    /// Connects `member` under `name`.
    /// - Returns: `ChatRooms.connect`'s effects (none).
    public func connect(_ member: ChatMemberID, name: String) -> [ChatEffect] {
        rooms.withLock { $0.connect(member, name: name) }
    }

    /// Applies `message` from `member` to the rooms.
    /// - Returns: `ChatRooms.handle`'s effects.
    public func handle(_ message: ChatClientMessage, from member: ChatMemberID) -> [ChatEffect] {
        rooms.withLock { $0.handle(message, from: member) }
    }

    /// Disconnects `member`.
    /// - Returns: `ChatRooms.disconnect`'s effects (leave notices).
    public func disconnect(_ member: ChatMemberID) -> [ChatEffect] {
        rooms.withLock { $0.disconnect(member) }
    }

    /// A copy of the current rooms, for tests and diagnostics.
    /// - Returns: the room list as `/rooms` would report it.
    public var roomList: [ChatRoomInfo] { rooms.withLock { $0.roomList } }
}
