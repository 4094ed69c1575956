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
package protocol ChatBackend: AnyObject, Sendable {
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
/// `deliver` encodes and queues them (no I/O happens under the lock). A server with one event
/// loop also connects members with a route (`connect(_:name:route:deliver:)`) and sends chat
/// lines through `chat(_:fromRoute:member:fanout:)`, which skips the per-recipient effects
/// (`ChatFanoutIndex`).
package final class LocalChatBackend: ChatBackend {
    private struct State {
        var rooms = ChatRooms()
        var index = ChatFanoutIndex()
    }

    private let state = Mutex(State())

    /// A backend with no rooms and no members.
    package init() {}

    /// Connects `member` under `name`, handing `ChatRooms.connect`'s effects (none) to `deliver`.
    package func connect(_ member: ChatMemberID, name: String, deliver: ([ChatEffect]) -> Void) {
        state.withLock { deliver($0.rooms.connect(member, name: name)) }
    }

    /// Connects `member` under `name` reachable by the chat-line fast path at `route`.
    func connect(_ member: ChatMemberID, name: String, route: Int, deliver: ([ChatEffect]) -> Void) {
        state.withLock { s in
            deliver(s.rooms.connect(member, name: name))
            s.index.connect(member, route: route, rooms: s.rooms)
        }
    }

    /// Applies `message` from `member`, handing `ChatRooms.handle`'s effects to `deliver`
    /// under the lock.
    package func handle(_ message: ChatClientMessage, from member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        state.withLock { s in
            deliver(s.rooms.handle(message, from: member))
            if case .chat = message { return }
            s.index.refresh(member, rooms: s.rooms)
        }
    }

    /// A chat line from the member at `route`, by the fast path: `fanout` gets the sender's
    /// name and the routes of its room's members (the sender's included), under the lock.
    /// - Returns: false when the fast path does not apply (the member is in no room); then call
    ///   `handle(.chat(text), ...)`.
    @inline(__always)
    func chat(fromRoute route: Int, fanout: (String, [Int]) -> Void) -> Bool {
        state.withLock { s in
            guard let (name, routes) = s.index.fanout(from: route) else { return false }
            fanout(name, routes)
            return true
        }
    }

    /// Disconnects `member`, handing the leave notices to `deliver` under the lock.
    package func disconnect(_ member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        state.withLock { s in
            deliver(s.rooms.disconnect(member))
            s.index.refresh(member, rooms: s.rooms)
        }
    }

    /// A copy of the current rooms, for tests and diagnostics.
    /// - Returns: the room list as `/rooms` would report it.
    package var roomList: [ChatRoomInfo] { state.withLock { $0.rooms.roomList } }
}
