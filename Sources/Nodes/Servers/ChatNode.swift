import NetModel

/// The chat node (seed 004's chat server, inside the cluster): rooms numbered from 1 with titles
/// and members. Members may sit on different frontends or chat doors: every effect reaches them by
/// push, through the session node. A chat door's members join with `ChatCommand.connect(name:)`
/// and leave with `.disconnect`; when management removes that door, they are disconnected.
public actor ChatNode: ManagedServer {
    public nonisolated let env: any NodeEnvironment
    var link: ManagementLink
    private var rooms = ChatRooms()
    private var nextPush: UInt64 = 1
    private let pushIDPrefix: UInt64
    /// The ordered connection to the session node: lines keep their order on the way to members.
    private var sessionStream: StreamID?
    /// The node each member connected through with `ChatCommand.connect` (a chat door), by user:
    /// when management removes that node, its members are disconnected. Members that never sent
    /// `connect` (simulated clients) are not tracked.
    private var origins: [String: NodeName] = [:]

    public nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A chat node.
    public init(env: any NodeEnvironment) {
        self.env = env
        link = ManagementLink(address: env.advertisedAddress, version: env.settings.version)
        pushIDPrefix = UInt64(0xC00 | (env.name.index & 0xFF)) << 52 | (env.random() & 0xF_FFFF) << 32
    }

    /// The rooms, in number order (for checkers and reports).
    public var roomList: [ChatRoomInfo] { rooms.roomList }

    /// Whether the node serves (registered, not fenced).
    public var isServing: Bool { link.isServing }

    public func start() { startManagement() }
    public func shutdown() { unregisterNow() }
    func becameServing(_ config: NodeConfig) {}
    func stopServing() {}
    func membershipChanged(_ notice: MembershipNotice) {
        switch notice {
        case .left(let name, _), .rejoined(let name, _, _):
            dropMembers(of: name)
        case .joined:
            break
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

    public func receive(_ inbound: Inbound<ClusterMessage>) {
        if case .streamClosed(let id, _, _) = inbound, id == sessionStream { sessionStream = nil }
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
        guard case .backend(let group, let call) = payload else {
            return unexpected(payload, from: source)
        }
        guard admits(group, call, from: source), link.isServing else { return }
        guard case .chat(let user, let command) = call else {
            return unexpected(payload, from: source)
        }
        handle(command, from: user, via: source)
    }

    private func handle(_ command: ChatCommand, from user: String, via source: NodeName) {
        let member = ChatMemberID(user)
        switch command {
        case .connect(let name):
            origins[user] = source
            rooms.connect(member, name: name)   // no effects: the reference server sends nothing
            return
        case .disconnect:
            origins[user] = nil
            let effects = rooms.disconnect(member)
            if !effects.isEmpty { deliver(effects, lineID: 0) }
            return
        default:
            break
        }
        if !rooms.isConnected(member) { _ = rooms.connect(member, name: user) }
        let effects: [ChatEffect]
        var lineID: UInt64 = 0
        switch command {
        case .connect, .disconnect:
            effects = []
        case .name(let name): effects = rooms.rename(member, to: name)
        case .rooms: effects = rooms.listRooms(member)
        case .create(let title): effects = rooms.create(member, title: title)
        case .join(let roomID): effects = rooms.join(member, roomID: roomID)
        case .leave: effects = rooms.leave(member)
        case .say(let text, let messageID):
            lineID = messageID
            effects = rooms.chat(member, text: text)
            if let room = rooms.room(of: member) {
                let others = effects.compactMap { e -> String? in
                    if case .chat(let to, _, _) = e { return to.rawValue } else { return nil }
                }
                env.log(NodeLog.chatLine, ["msg": .number(UInt64(messageID)), "room": .number(UInt64(room)), "sender": .text(user),
                                                          "members": .list(others)])
            }
        }
        deliver(effects, lineID: lineID)
    }

    /// Sends each effect to its member by push (one push call per distinct content).
    private func deliver(_ effects: [ChatEffect], lineID: UInt64) {
        guard let session = link.config.sessionNode?.name else { return }
        var batch: [(body: ChatPush, users: [String])] = []
        for effect in effects {
            let body: ChatPush
            switch effect {
            case .system(_, let text): body = .system(text)
            case .chat(_, let from, let text): body = .line(member: from, text: text, messageID: lineID)
            case .rooms(_, let list):
                body = .rooms(list.map { RoomSummary(roomID: $0.roomID, title: $0.title, members: $0.members) })
            }
            let to = effect.recipient.rawValue
            if let i = batch.firstIndex(where: { $0.body == body }) { batch[i].users.append(to) }
            else { batch.append((body, [to])) }
        }
        let stream = sessionStream ?? env.transport.openStream(to: session)
        sessionStream = stream
        for item in batch {
            let id = pushIDPrefix | nextPush
            nextPush += 1
            let call = BackendCall.pushTo(users: item.users, pushID: id, body: .chat(item.body),
                                          acceptedAt: env.now.nanoseconds)
            env.send(.backend(group: env.groupID, call), on: stream)
        }
    }
}
