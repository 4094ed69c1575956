import NetModel

/// The chat node (seed 004's chat server, inside the cluster): rooms numbered from 1 with titles
/// and members. Members may sit on different frontends or chat doors: every effect reaches them by
/// push, through the session node. A chat door's members join with `ChatCommand.connect(name:)`
/// and leave with `.disconnect`; when management removes that door, they are disconnected.
///
/// Exactly once: a command from a frontend carries its client's request key; the node executes
/// each key once and answers every copy with the first result, which is what the client is told:
/// `ok`/`joined` only when the command took effect.
///
/// Restarts: rooms live in memory. A restarted node answers a line or a leave from a member it
/// does not know with `notInRoom`; the member then sends `restore(roomID:title:)` and the room
/// comes back (by title, with its old number when free). The pushes for members wait in an
/// outbox until the session node confirms each one, and are sent again (same request key, so
/// the session node holds each once) when the stream to it breaks or a confirmation is late.
///
/// The actor is a thin shell: the logic is `ChatCore`, a value. Each event goes into the core
/// with the clock reading and the session node the management link knows; the shell carries out
/// the actions that come back, in order, and maps the core's session stream to the transport's.
package actor ChatNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    var link: ManagementLink
    /// Rooms, members, exactly-once commands, the push outbox and its timer (the logic).
    var core: ChatCore
    /// The session stream the core opened, and the transport's id of it.
    private var sessionStream: (core: ChatCore.SessionStream, id: StreamID)?

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A chat node.
    package init(env: any NodeEnvironment) {
        self.env = env
        link = ManagementLink(env: env)
        core = makeChatCore(name: env.name, incarnation: env.incarnationID, groupID: env.groupID)
        core.recordsEvents = env.recordsNodeEvents
    }

    /// The rooms, in number order (for checkers and reports).
    package var roomList: [ChatRoomInfo] { core.rooms.roomList }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    /// The session node the management link knows now.
    private var sessionNode: NodeName? { link.config.sessionNode?.name }

    package func start() {
        startManagement()
        perform(core.start(now: env.now))
    }
    package func shutdown() { unregisterNow() }
    func becameServing(_ config: NodeConfig) { perform(core.becameServing(session: sessionNode, now: env.now)) }
    func stopServing() {}
    func membershipChanged(_ notice: MembershipNotice) {
        perform(core.membershipChanged(notice, session: sessionNode, now: env.now))
    }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
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
        case .streamClosed(let id, _, _):
            guard let open = sessionStream, open.id == id else { return }
            sessionStream = nil
            return perform(core.sessionStreamClosed(open.core, session: sessionNode, now: env.now))
        case .streamOpened:
            return
        }
        withAdmittedBackendCall(payload, from: source) { call in
            perform(core.call(call, from: source, serving: link.isServing, mayServeAgain: link.mayServeAgain,
                              session: sessionNode, now: env.now))
        }
    }

    private func fire(_ timer: ChatCore.Timer) {
        perform(core.fire(timer, session: sessionNode, now: env.now))
    }

    /// Carries out the core's actions, in order.
    private func perform(_ actions: [ChatCore.Action]) {
        // By index: each action is read in place, not copied out by an iterator.
        for index in actions.indices {
            switch actions[index] {
            case .send(let message, let node):
                env.send(message, to: node)
            case .openSessionStream(let stream, let session):
                sessionStream = (stream, env.transport.openStream(to: session))
            case .sendOnSessionStream(let message, let stream):
                guard let open = sessionStream, open.core == stream else { continue }
                env.send(message, on: open.id)
            case .closeSessionStream(let stream):
                guard let open = sessionStream, open.core == stream else { continue }
                sessionStream = nil
                env.transport.closeStream(open.id)
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
