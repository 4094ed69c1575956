import NetModel

extension ChatDoorNode {
    /// How often the door re-sends its members to the session node (as a frontend re-sends its
    /// push streams): repairs a lost login and rebuilds a restarted session node's map.
    package static let resyncPeriod: Duration = .seconds(5)

    func scheduleResync() {
        env.scheduleTimer(after: Self.resyncPeriod, on: self) { node in
            if node.link.isServing { node.resyncSession() }
            node.scheduleResync()
        }
    }

    /// Sends every member to the session node (the list is authoritative for this door).
    func resyncSession() {
        let entries = members.values.sorted { $0.user < $1.user }.map {
            ResyncEntry(user: $0.user, connection: $0.connection, since: $0.since)
        }
        callSession(.sessionResync(frontend: env.name, entries: entries, through: nextConnection - 1))
    }

    /// Backend calls a door serves as its members' push frontend.
    func handleBackend(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .deliver(let frame):
            receivePush(frame, from: source)
        case .resyncRequest:
            resyncSession()
        case .sessionLoginAck:
            break   // the door's re-sync every 5 s repairs a lost login
        case .kickStream(let user, _, let reason):
            // A member's name is unique to its connection: only a re-sync conflict gets here.
            env.log(NodeLog.chatDoorRefused, ["user": .text(user), "reason": .text("kicked:\(reason)")])
        default:
            unexpected(.backend(group: env.groupID, call), from: source)
        }
    }

    /// One push for a member: numbered per user by the session node's outbox. Duplicates are
    /// dropped and a push ahead of a gap is held (as a client does); what is now in order goes to
    /// the sink as effects, then the cumulative ack goes back to the session node.
    func receivePush(_ frame: PushFrame, from source: NodeName) {
        guard let member = users[frame.user], var record = members[member] else { return }
        let receipt = record.inbox.receive(seq: frame.seq, floor: frame.floor, generation: frame.generation,
                                           payload: frame.body)
        let delivered = receipt.delivered.map(\.payload)
        members[member] = record
        let effects = delivered.compactMap { body -> ChatEffect? in
            guard case .chat(let push) = body else { return nil }   // messages and broadcasts: not chat
            return push.effect(for: member)
        }
        if !effects.isEmpty { sink(effects) }
        queueAck(PendingAck(upTo: receipt.ack, generation: record.inbox.generation, session: source), for: frame.user)
    }

    /// How long an acknowledgement may wait to be sent with the others (the session node resends
    /// what is unacknowledged after a second).
    static let ackDelay: Duration = .milliseconds(10)

    /// Remembers the latest cumulative ack of `user`; every waiting ack goes out `ackDelay` after
    /// the first, one per user (a burst of pushes costs one ack per member, not one per push).
    private func queueAck(_ ack: PendingAck, for user: String) {
        pendingAcks[user] = ack
        guard !ackFlushScheduled else { return }
        ackFlushScheduled = true
        env.scheduleTimer(after: Self.ackDelay, on: self) { node in node.flushAcks() }
    }

    private func flushAcks() {
        ackFlushScheduled = false
        let acks = pendingAcks
        pendingAcks = [:]
        for user in acks.keys.sorted() {
            guard let ack = acks[user] else { continue }
            backend(.ack(user: user, upTo: ack.upTo, generation: ack.generation), to: ack.session)
        }
    }
}
