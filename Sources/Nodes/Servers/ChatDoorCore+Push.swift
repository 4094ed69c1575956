import NetModel

extension ChatDoorCore {
    /// A backend call admitted by the shell (right group): the calls a door serves as its
    /// members' push frontend, once it serves (ignored before).
    mutating func backendCall(_ call: BackendCall, from source: NodeName, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        guard link.isServing else { return end() }
        switch call {
        case .deliver(let frame):
            receivePush(frame, from: source)
        case .resyncRequest:
            resyncSession()
        case .sessionLoginAck:
            break   // the door's re-sync every 5 s repairs a lost login
        case .kickStream(let user, _, let reason):
            // A member's name is unique to its connection: only a re-sync conflict gets here.
            log(NodeLog.chatDoorRefused, ["user": .text(user), "reason": .text("kicked:\(reason)")])
        default:
            unexpected(call, from: source)
        }
        return end()
    }

    /// One push for a member: numbered per user by the session node's outbox. Duplicates are
    /// dropped and a push ahead of a gap is held (as a client does); what is now in order goes to
    /// the connections as effects, then the cumulative ack is queued for the session node.
    private mutating func receivePush(_ frame: PushFrame, from source: NodeName) {
        guard let member = users[frame.user], var record = members[member] else { return }
        let receipt = record.inbox.receive(seq: frame.seq, floor: frame.floor, generation: frame.generation,
                                           payload: frame.body)
        members[member] = record
        let delivered = receipt.delivered.compactMap { delivery -> ChatEffect? in
            guard case .chat(let push) = delivery.payload else { return nil }   // messages and broadcasts: not chat
            return push.effect(for: member)
        }
        if !delivered.isEmpty { effects(delivered) }
        queueAck(PendingAck(upTo: receipt.ack, generation: record.inbox.generation, session: source), for: frame.user)
    }

    /// Remembers the latest cumulative ack of `user`; every waiting ack goes out `ackDelay` after
    /// the first, one per user (a burst of pushes costs one ack per member, not one per push).
    private mutating func queueAck(_ ack: PendingAck, for user: String) {
        pendingAcks[user] = ack
        guard !ackFlushScheduled else { return }
        ackFlushScheduled = true
        schedule(.flushAcks, after: Self.ackDelay)
    }

    /// Sends every waiting ack, in user order.
    mutating func flushAcks() {
        ackFlushScheduled = false
        let acks = pendingAcks
        pendingAcks = [:]
        for user in acks.keys.sorted() {
            guard let ack = acks[user] else { continue }
            send(.ack(user: user, upTo: ack.upTo, generation: ack.generation), to: ack.session)
        }
    }
}
