import Synchronization

/// Where a chat server's rooms live: the room logic behind every front door (connection
/// handler) of one chat service.
///
/// The server calls it from its event-loop threads, possibly several at once; an implementation
/// is thread-safe. Each call hands the messages to send, in order, as `ChatEffect`s addressed
/// by member id, to `deliver`, which queues them on the members' connections. An in-process
/// implementation calls `deliver` while it still holds its lock, so that every member gets the
/// messages of its room in the order the room operations happened, whichever thread ran them.
/// A backend that learns of messages later (a cluster-backed one: rooms on the cluster's chat
/// node, shared by every chat front door of the cluster) hands them to `ChatServer.deliver(_:)`.
public protocol ChatBackend: AnyObject, Sendable {
    /// A connection opened: `member` joins the service under a default display name; `deliver`
    /// gets the effects (none in the reference behaviour).
    func connect(_ member: ChatMemberID, name: String, deliver: ([ChatEffect]) -> Void)

    /// One decoded client message from `member`; `deliver` gets the effects, in order.
    /// `.shutdown` is handled by the server, never passed here.
    func handle(_ message: ChatClientMessage, from member: ChatMemberID, deliver: ([ChatEffect]) -> Void)

    /// `member`'s connection closed: it leaves its room and is forgotten; `deliver` gets the
    /// leave notices for the room's remaining members.
    func disconnect(_ member: ChatMemberID, deliver: ([ChatEffect]) -> Void)
}

/// The in-process backend: one `ChatRooms` value behind one lock.
///
/// Every operation is a short critical section: the room logic computes the effects and
/// `deliver` encodes and queues them (no I/O happens under the lock).
public final class LocalChatBackend: ChatBackend {
    private let rooms = Mutex(ChatRooms())

    /// A backend with no rooms and no members.
    public init() {}

    /// Connects `member` under `name`, handing `ChatRooms.connect`'s effects (none) to `deliver`.
    public func connect(_ member: ChatMemberID, name: String, deliver: ([ChatEffect]) -> Void) {
        rooms.withLock { deliver($0.connect(member, name: name)) }
    }

    /// Applies `message` from `member`, handing `ChatRooms.handle`'s effects to `deliver`
    /// under the lock.
    public func handle(_ message: ChatClientMessage, from member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        rooms.withLock { deliver($0.handle(message, from: member)) }
    }

    /// Disconnects `member`, handing the leave notices to `deliver` under the lock.
    public func disconnect(_ member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        rooms.withLock { deliver($0.disconnect(member)) }
    }

    /// A copy of the current rooms, for tests and diagnostics.
    /// - Returns: the room list as `/rooms` would report it.
    public var roomList: [ChatRoomInfo] { rooms.withLock { $0.roomList } }
}
