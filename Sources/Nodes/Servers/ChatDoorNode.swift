import NetModel

/// A chat front door (issue 5): the cluster node inside a `simctl chat-server --management`
/// process. The server's chat connections are this node's members; the rooms live on the
/// cluster's chat node, shared by every door of the cluster.
///
/// Each connection is held like a frontend holds a push stream: its member gets a user name
/// unique in the cluster (`chat-door-1/TAG/ID`, TAG drawn once per incarnation, ID the server's
/// connection number), a `SessionLogin` with this door as its push frontend, and a
/// `ChatCommand.connect(name:)` to the chat node. Its commands go to the chat node as
/// `.backend(.chat(user:command:))` on one stream, so the chat node applies each door's commands
/// in order. The chat node's effects come back by push through the session node (`deliver`):
/// the door acknowledges them, drops duplicates by sequence number, and hands each one, as a
/// `ChatEffect` for the connection, to `sink` (the chat server's `deliver`).
///
/// When the cluster cannot take a command (the door is not registered yet or was fenced, or no
/// session or chat node is registered) the member gets `ChatText.unreachable` as a system
/// message at once, and the refusal is logged; the connection stays open.
package actor ChatDoorNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    var link: ManagementLink
    /// Where the effects for this door's connections go.
    let sink: @Sendable ([ChatEffect]) -> Void
    /// Drawn once per incarnation: a restarted door never reuses a user name whose pushes the
    /// session node may still hold.
    let tag: String
    /// The connections, by the server's member id.
    var members: [ChatMemberID: DoorMember] = [:]
    /// Member ids by cluster user name.
    var users: [String: ChatMemberID] = [:]
    /// The session connection number of the next member.
    var nextConnection: UInt64 = 1
    /// The stream the commands go on, and the chat node it goes to.
    var chatStream: (id: StreamID, node: NodeName)?
    /// Acknowledgements waiting to be sent, by user (see `queueAck`).
    var pendingAcks: [String: PendingAck] = [:]
    var ackFlushScheduled = false
    /// The last configuration the manager sent (registration, pongs): it lists addresses.
    private var heard = NodeConfig(sessionNode: nil, frontends: [])
    /// Told whenever `isReady` changes (the chat server's start waits on it).
    private let readiness: (@Sendable (Bool) -> Void)?
    private var reportedReady = false
    private var nextLine: UInt64 = 1
    private let lineIDPrefix: UInt64

    /// One connection of the chat server, as the cluster knows it.
    struct DoorMember: Sendable {
        /// The member's user name in the cluster.
        var user: String
        /// The name the connection joined with (its peer address).
        var defaultName: String
        /// The connection number the session node knows it by.
        var connection: UInt64
        /// When it joined (the session's `since`).
        var since: Int64
        /// Pushes received, in sequence order, duplicates dropped (under the session outbox
        /// generation they are numbered in).
        var inbox = PushInbox<PushBody>()
    }

    /// A member's latest cumulative acknowledgement, not sent yet.
    struct PendingAck: Sendable {
        var upTo: UInt64
        var generation: UInt64
        var session: NodeName
    }

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A chat door handing its members' effects to `sink` and each change of `isReady` to
    /// `readiness` (both called on the node's executor; they must not block).
    package init(env: any NodeEnvironment, sink: @escaping @Sendable ([ChatEffect]) -> Void,
                readiness: (@Sendable (Bool) -> Void)? = nil) {
        self.env = env
        self.sink = sink
        self.readiness = readiness
        link = ManagementLink(env: env)
        tag = String(env.incarnationID & 0xFF_FFFF, radix: 16)
        lineIDPrefix = PushIDLayout.prefix(node: env.name, incarnation: env.incarnationID)
    }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    /// Whether commands can reach the cluster now: registered, with a session and a chat node.
    package var isReady: Bool { link.isServing && sessionNode != nil && chatNode != nil }

    /// The cluster user name of each connected member, by member id (sorted by member id).
    package var memberUsers: [(member: ChatMemberID, user: String)] {
        members.keys.sorted().compactMap { id in members[id].map { (id, $0.user) } }
    }

    /// The session node to call: registered, and listed in a configuration from the manager.
    var sessionNode: NodeName? { addressed(link.config.sessionNode, heard.sessionNode) }

    /// The chat node to send commands to: registered, and listed in a configuration from the manager.
    var chatNode: NodeName? { addressed(link.config.chatNode, heard.chatNode) }

    /// A peer the membership notices know, once a configuration from the manager (which carries
    /// addresses: a real runtime learns them from it) has listed it too. A node announced only by
    /// a notice has no known address yet on TCP: what is sent to it would be lost.
    private func addressed(_ known: NodeConfig.Peer?, _ listed: NodeConfig.Peer?) -> NodeName? {
        guard let name = known?.name, listed?.name == name else { return nil }
        return name
    }

    package func start() {
        startManagement()
        scheduleResync()
    }

    /// A clean shutdown: every member leaves the rooms and the session, then the door unregisters.
    package func shutdown() {
        for id in members.keys.sorted() { close(id) }
        unregisterNow()
    }

    func becameServing(_ config: NodeConfig) { resyncSession() }

    func stopServing() {
        env.log(NodeLog.chatDoorRefused, ["user": .text("*"), "reason": .text("fenced")])
        sink(members.keys.sorted().map { .system(to: $0, text: ChatText.fenced) })
    }

    func membershipChanged(_ notice: MembershipNotice) {
        // A chat node that left (or restarted) knows no one any more: the next command opens a
        // new stream, which connects every member again first.
        switch notice {
        case .left(let name, _), .rejoined(let name, _, _):
            if chatStream?.node == name { dropChatStream() }
        case .joined:
            break
        }
    }

    // MARK: - The chat server's calls

    /// A connection opened: `member` joins under `name` (its peer address).
    package func open(_ member: ChatMemberID, name: String) {
        guard members[member] == nil else { return }
        let user = "\(env.name)/\(tag)/\(member.rawValue)"
        let record = DoorMember(user: user, defaultName: name, connection: nextConnection, since: env.now.nanoseconds)
        nextConnection += 1
        members[member] = record
        users[user] = member
        env.log(NodeLog.chatDoorMember, ["user": .text(user), "event": .text("connect")])
        guard link.isServing else { return }   // logged in and connected once registered
        callSession(.sessionLogin(user: user, frontend: env.name, connection: record.connection, since: record.since))
        sendChat(.connect(name: name), for: user)
    }

    /// One client message from `member`: sent to the chat node, or refused with a system message
    /// when the cluster cannot take it.
    package func handle(_ message: ChatClientMessage, from member: ChatMemberID) {
        guard let record = members[member] else { return }
        let command: ChatCommand
        switch message {
        case .name(let name): command = .name(name)
        case .rooms: command = .rooms
        case .createRoom(let title): command = .create(title: title)
        case .joinRoom(let roomID): command = .join(roomID: Int(roomID))
        case .leaveRoom: command = .leave
        case .chat(let text):
            command = .say(text: text, messageID: PushIDLayout.id(prefix: lineIDPrefix, counter: nextLine))
            nextLine += 1
        case .shutdown: return
        }
        guard isReady else {
            let reason = !link.isServing ? "not-registered" : sessionNode == nil ? "no-session-node" : "no-chat-node"
            env.log(NodeLog.chatDoorRefused, ["user": .text(record.user), "reason": .text(reason)])
            sink([.system(to: member, text: ChatText.unreachable)])
            return
        }
        sendChat(command, for: record.user)
    }

    /// `member`'s connection closed: it leaves its room (the chat node tells the others) and the
    /// session.
    package func close(_ member: ChatMemberID) {
        guard let record = members.removeValue(forKey: member) else { return }
        users[record.user] = nil
        env.log(NodeLog.chatDoorMember, ["user": .text(record.user), "event": .text("disconnect")])
        guard link.isServing else { return }
        sendChat(.disconnect, for: record.user)
        callSession(.sessionLogout(user: record.user, frontend: env.name, connection: record.connection))
    }

    // MARK: - Inbound

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        defer { reportReadiness() }
        switch inbound {
        case .message(let envelope):
            let source = envelope.source
            if source.role == .management {
                switch envelope.payload {
                case .registerAccepted(_, let config), .pong(true, let config?): heard = config
                default: break
                }
            }
            if handleManagement(envelope.payload, from: source) { return }
            guard let call = admittedBackendCall(envelope.payload, from: source), link.isServing else { return }
            handleBackend(call, from: source)
        case .streamClosed(let id, _, _):
            if chatStream?.id == id { chatStream = nil }
        case .streamOpened, .streamMessage:
            return
        }
    }

    private func reportReadiness() {
        let now = isReady
        guard now != reportedReady else { return }
        reportedReady = now
        // The session node just became reachable: log every member in now, not at the next re-sync.
        if now { resyncSession() }
        readiness?(now)
    }

    // MARK: - To the chat node

    /// Sends `command` for `user` on the chat stream, opening it first when needed: a new stream
    /// begins with a `connect` for every member (oldest first), so a restarted chat node knows
    /// them before their commands.
    func sendChat(_ command: ChatCommand, for user: String) {
        guard let chat = chatNode else { return }
        if let open = chatStream, open.node != chat { dropChatStream() }
        let stream: StreamID
        if let open = chatStream {
            stream = open.id
        } else {
            stream = env.transport.openStream(to: chat)
            chatStream = (stream, chat)
            for record in members.values.sorted(by: { $0.connection < $1.connection }) {
                let call = BackendCall.chat(user: record.user, command: .connect(name: record.defaultName), request: nil)
                env.send(.backend(group: env.groupID, call), on: stream)
            }
            if case .connect = command { return }   // just sent with the others
        }
        env.send(.backend(group: env.groupID, .chat(user: user, command: command, request: nil)), on: stream)
    }

    private func dropChatStream() {
        guard let open = chatStream else { return }
        chatStream = nil
        env.transport.closeStream(open.id)
    }

    func callSession(_ call: BackendCall) {
        if let session = sessionNode { backend(call, to: session) }
    }
}
