import NetModel

/// A chat front door (issue 5): the cluster node inside a `simctl chat-server --management`
/// process. The server's chat connections are this node's members; the rooms live on the
/// cluster's chat node, shared by every door of the cluster.
///
/// Each connection is held like a frontend holds a push stream: its member gets a user name
/// unique in the cluster (`d1/TAG/ID`: the door's number, TAG drawn once per incarnation, ID the server's
/// connection number), a `SessionLogin` with this door as its push frontend, and a
/// `ChatCommand.connect(name:)` to the chat node. Its commands go to the chat node as
/// `.backend(.chat(user:command:))` on one stream, so the chat node applies each door's commands
/// in order. The chat node's effects come back by push through the session node, one `deliver`
/// per push for every member on this door (those of one session-node event in one `batch`): the
/// door acknowledges them per member, drops duplicates by sequence number, and hands the
/// deliveries' effects (a `ChatEffect` per connection) to `sink` (the chat server's `deliver`) as
/// one list.
///
/// When the cluster cannot take a command (the door is not registered yet or was fenced, or no
/// session or chat node is registered) the member gets `ChatText.unreachable` as a system
/// message at once, and the refusal is logged; the connection stays open.
///
/// The actor is a thin shell: the logic is `ChatDoorCore`, a value. Each event goes into the core
/// with what the management link knows and the clock reading; the shell carries out the actions
/// that come back, in order (sends, the sink, the readiness callback, timers), and maps the core's
/// chat stream to the transport's.
package actor ChatDoorNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    var link: ManagementLink
    /// Members, the chat stream, push inboxes, acks and readiness (the logic).
    var core: ChatDoorCore
    /// Where the effects for this door's connections go.
    let sink: @Sendable ([ChatEffect]) -> Void
    /// Told whenever `isReady` changes (the chat server's start waits on it).
    private let readiness: (@Sendable (Bool) -> Void)?
    /// The chat stream the core opened, and the transport's id of it.
    private var chatStream: (core: ChatDoorCore.ChatStream, id: StreamID)?

    /// How often the door re-sends its members to the session node (`ChatDoorCore.resyncPeriod`).
    package static var resyncPeriod: Duration { ChatDoorCore.resyncPeriod }

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A chat door handing its members' effects to `sink` and each change of `isReady` to
    /// `readiness` (both called on the node's executor; they must not block).
    package init(env: any NodeEnvironment, sink: @escaping @Sendable ([ChatEffect]) -> Void,
                readiness: (@Sendable (Bool) -> Void)? = nil) {
        self.env = env
        self.sink = sink
        self.readiness = readiness
        link = ManagementLink(env: env)
        core = makeChatDoorCore(name: env.name, incarnation: env.incarnationID)
    }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    /// Whether commands can reach the cluster now: registered, with a session and a chat node.
    package var isReady: Bool { core.isReady(view) }

    /// The cluster user name of each connected member, by member id (sorted by member id).
    package var memberUsers: [(member: ChatMemberID, user: String)] { core.memberUsers }

    /// What the management link knows now, for the core.
    private var view: ChatDoorCore.Link { ChatDoorCore.Link(link) }

    package func start() {
        startManagement()
        perform(core.start(now: env.now))
    }

    /// A clean shutdown: every member leaves the rooms and the session, then the door unregisters.
    package func shutdown() {
        perform(core.shutdown(link: view, now: env.now))
        unregisterNow()
    }

    func becameServing(_ config: NodeConfig) { perform(core.becameServing(link: view, now: env.now)) }
    func stopServing() { perform(core.stopServing(link: view, now: env.now)) }
    func membershipChanged(_ notice: MembershipNotice) { perform(core.membershipChanged(notice, link: view, now: env.now)) }

    // MARK: - The chat server's calls

    /// A connection opened: `member` joins under `name` (its peer address).
    package func open(_ member: ChatMemberID, name: String) { perform(core.open(member, name: name, link: view, now: env.now)) }

    /// One client message from `member`: sent to the chat node, or refused with a system message
    /// when the cluster cannot take it.
    package func handle(_ message: ChatClientMessage, from member: ChatMemberID) {
        perform(core.handle(message, from: member, link: view, now: env.now))
    }

    /// `member`'s connection closed: it leaves its room (the chat node tells the others) and the
    /// session.
    package func close(_ member: ChatMemberID) { perform(core.close(member, link: view, now: env.now)) }

    /// Several of the chat server's calls at once, in order (as `open`, `handle` and `close`; the
    /// consecutive commands go to the chat node in one message).
    package func take(_ calls: [ChatDoorCall]) { perform(core.take(calls, link: view, now: env.now)) }

    // MARK: - Inbound

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        defer { perform(core.checkReadiness(link: view, now: env.now)) }
        switch inbound {
        case .message(let envelope):
            let source = envelope.source
            if source.role == .management { core.managerSaid(envelope.payload) }
            if handleManagement(envelope.payload, from: source) { return }
            withAdmittedBackendCall(envelope.payload, from: source) { call in
                perform(core.backendCall(call, from: source, link: view, now: env.now))
            }
        case .streamClosed(let id, _, _):
            guard let open = chatStream, open.id == id else { return }
            chatStream = nil
            core.chatStreamClosed(open.core)
        case .streamOpened, .streamMessage:
            return
        }
    }

    private func fire(_ timer: ChatDoorCore.Timer) {
        perform(core.fire(timer, link: view, now: env.now))
    }

    /// Carries out the core's actions, in order.
    private func perform(_ actions: [ChatDoorCore.Action]) {
        for action in actions {
            switch action {
            case .send(let call, let node):
                backend(call, to: node)
            case .openChatStream(let stream, let chat):
                chatStream = (stream, env.transport.openStream(to: chat))
            case .sendOnChatStream(let call, let stream):
                guard let open = chatStream, open.core == stream else { continue }
                env.send(.backend(group: env.groupID, call), on: open.id)
            case .closeChatStream(let stream):
                guard let open = chatStream, open.core == stream else { continue }
                chatStream = nil
                env.transport.closeStream(open.id)
            case .effects(let effects):
                sink(effects)
            case .readinessChanged(let ready):
                readiness?(ready)
            case .schedule(let timer, let delay):
                env.scheduleTimer(after: delay, on: self) { $0.fire(timer) }
            case .log(let label, let detail):
                env.log(label, detail)
            case .unexpected(let call, let source):
                unexpected(.backend(group: env.groupID, call), from: source)
            }
        }
    }
}
