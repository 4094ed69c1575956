import NetModel

/// The chat node (seed 004's chat server, inside the cluster): rooms numbered from 1 with titles
/// and members. Members may sit on different frontends or chat doors: every effect reaches them by
/// push, through the session node. A chat door's members join with `ChatCommand.connect(name:)`
/// and leave with `.disconnect`; when management removes that door, they are disconnected.
///
/// Exactly once: a command from a frontend carries its client's request key; the node executes
/// each key once and answers every copy with the first result (`executed`), which is what the
/// client is told: `ok`/`joined` only when the command took effect.
///
/// Restarts: rooms live in memory. A restarted node answers a line or a leave from a member it
/// does not know with `notInRoom`; the member then sends `restore(roomID:title:)` and the room
/// comes back (by title, with its old number when free). The pushes for members wait in
/// `outbox` until the session node confirms each one, and are sent again (same request key, so
/// the session node holds each once) when the stream to it breaks or a confirmation is late.
package actor ChatNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    var link: ManagementLink
    var rooms = ChatRooms()
    var nextPush: UInt64 = 1
    let pushIDPrefix: UInt64
    /// The ordered connection to the session node: lines keep their order on the way to members.
    var sessionStream: StreamID?
    /// The node each member connected through with `ChatCommand.connect` (a chat door), by user:
    /// when management removes that node, its members are disconnected. Members that never sent
    /// `connect` (simulated clients) are not tracked.
    var origins: [String: NodeName] = [:]
    /// Commands executed, per origin: a copy gets the first result.
    var executed = RequestWindow<ClientResult>(capacity: 32)
    /// Pushes sent to the session node and not confirmed yet, in order.
    var outbox = ChatPushOutbox()
    /// Calls that arrived while the node was registering (held, run once it serves).
    var held = HeldCalls()
    /// Whether this incarnation told the members it started (see `becameServing`).
    var announcedStart = false

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A chat node.
    package init(env: any NodeEnvironment) {
        self.env = env
        link = ManagementLink(env: env)
        pushIDPrefix = PushIDLayout.prefix(node: env.name, incarnation: env.incarnationID)
    }

    /// The rooms, in number order (for checkers and reports).
    package var roomList: [ChatRoomInfo] { rooms.roomList }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    package func start() {
        startManagement()
        scheduleOutboxRetry()
    }
    package func shutdown() { unregisterNow() }
    func becameServing(_ config: NodeConfig) {
        if !announcedStart {
            // A chat node starts with no rooms: tell every online member, so those who were in a
            // room (before a restart) put themselves back at once rather than at their next line.
            announcedStart = true
            let key = RequestKey(origin: env.name, id: RequestKey.id(incarnation: PushIDLayout.incarnation(ofPrefix: pushIDPrefix),
                                                                     counter: nextPush))
            let call = BackendCall.broadcast(pushID: PushIDLayout.id(prefix: pushIDPrefix, counter: nextPush), body: .chat(.restarted),
                                             acceptedAt: env.now.nanoseconds, request: key)
            nextPush += 1
            _ = outbox.append(key, call)
            flushOutbox()
        }
        for call in held.takeAll() { handle(call.call, from: call.source) }
    }
    func stopServing() {}
    func membershipChanged(_ notice: MembershipNotice) {
        switch notice {
        case .left(let name, _), .rejoined(let name, _, _):
            dropMembers(of: name)
            if name.role == .session { resendOutbox(newStream: true) }
        case .joined(let name, _):
            if name.role == .session { resendOutbox(newStream: true) }
        }
    }

    /// Disconnects every member that connected through `node` (removed by management): the
    /// others in their rooms get the leave notices, as when a connection closes.
    private func dropMembers(of node: NodeName) {
        let users = origins.filter { $0.value == node }.keys.sorted()
        guard !users.isEmpty else { return }
        env.log(NodeLog.chatMembersDropped, ["node": .name(node), "members": .number(UInt64(users.count))])
        for user in users {
            origins[user] = nil
            let effects = rooms.disconnect(ChatMemberID(user))
            if !effects.isEmpty { deliver(effects, lineID: 0) }
        }
    }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        if case .streamClosed(let id, _, _) = inbound, id == sessionStream {
            sessionStream = nil
            resendOutbox(newStream: true)
            return
        }
        let source: NodeName
        let payload: ClusterMessage
        switch inbound {
        case .message(let envelope):
            source = envelope.source
            payload = envelope.payload
            if handleManagement(payload, from: source) { return }
        case .streamMessage(_, let peer, let message):
            // A chat door's commands come on one stream, in its order.
            source = peer
            payload = message
        case .streamOpened, .streamClosed:
            return
        }
        guard let call = admittedBackendCall(payload, from: source) else { return }
        guard link.isServing else {
            if link.mayServeAgain { held.hold(call, from: source, log: env) }
            return
        }
        handle(call, from: source)
    }

    private func handle(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .chat(let user, let command, let key):
            guard let key else { return _ = apply(command, from: user, via: source) }
            guard let result = executed.executeOnce(key, service: "ChatCommand", log: env, {
                apply(command, from: user, via: source)
            }) else { return }
            backend(.executed(request: key, result: result), to: source)
        case .executed(let key, _):
            outbox.confirm(key)
        default:
            unexpected(.backend(group: env.groupID, call), from: source)
        }
    }
}
