import NetModel

extension ChatDoorCore {
    /// A backend call admitted by the shell (right group): the calls a door serves as its
    /// members' push frontend, once it serves (ignored before).
    /// A `batch` (the session node's calls of one of its turns) is taken call by call, in order,
    /// and what its deliveries put in order goes to the connections as one list.
    mutating func backendCall(_ call: BackendCall, from source: NodeName, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        guard link.isServing else { return end() }
        var delivered: [ChatEffect] = []
        if case .batch(let calls) = call {
            for one in calls {
                if case .batch = one { unexpected(one, from: source) } else { take(one, from: source, delivered: &delivered) }
            }
        } else {
            take(call, from: source, delivered: &delivered)
        }
        if !delivered.isEmpty { effects(delivered) }
        return end()
    }

    /// One call (not a batch); the effects its delivery puts in order are added to `delivered`.
    private mutating func take(_ call: BackendCall, from source: NodeName, delivered: inout [ChatEffect]) {
        switch call {
        case .deliver(let delivery):
            receive(delivery, from: source, delivered: &delivered)
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
    }

    /// One push for some of the door's members, each numbered per user by the session node's
    /// outbox. For each: duplicates are dropped and a push ahead of a gap is held (as a client
    /// does). What is now in order is added to `delivered` (for the connections), then each
    /// member's cumulative ack is queued for the session node.
    private mutating func receive(_ delivery: PushDelivery, from source: NodeName, delivered: inout [ChatEffect]) {
        var acks: [(user: String, ack: PendingAck)] = []
        acks.reserveCapacity(delivery.recipients.count)
        for recipient in delivery.recipients {
            guard let member = users[recipient.user], let slot = members.index(forKey: member) else { continue }
            // In place: a copy of the member would copy its inbox.
            let ack: UInt64
            if members.values[slot].inbox.takeIfNext(seq: recipient.seq, floor: recipient.floor, generation: delivery.generation) {
                // The common case (the next number, nothing held): no receipt to build.
                if case .chat(let push) = delivery.body { delivered.append(push.effect(for: member)) }
                ack = members.values[slot].inbox.ackValue
            } else {
                let receipt = members.values[slot].inbox.receive(seq: recipient.seq, floor: recipient.floor,
                                                                 generation: delivery.generation, payload: delivery.body)
                for item in receipt.delivered {
                    // Messages and broadcasts are not chat.
                    if case .chat(let push) = item.payload { delivered.append(push.effect(for: member)) }
                }
                ack = receipt.ack
            }
            acks.append((recipient.user, PendingAck(upTo: ack, generation: members.values[slot].inbox.generation,
                                                    session: source)))
        }
        for (user, ack) in acks { queueAck(ack, for: user) }
    }

    /// Remembers the latest cumulative ack of `user`; every waiting ack goes out `ackDelay` after
    /// the first, one per user (a burst of pushes costs one ack per member, not one per push).
    private mutating func queueAck(_ ack: PendingAck, for user: String) {
        pendingAcks[user] = ack
        guard !ackFlushScheduled else { return }
        ackFlushScheduled = true
        schedule(.flushAcks, after: Self.ackDelay)
    }

    /// Sends every waiting ack, in user order: one `acks` call per session node (the one that
    /// sent the pushes) with all of its members' acks.
    mutating func flushAcks() {
        ackFlushScheduled = false
        let waiting = pendingAcks
        pendingAcks = [:]
        var calls: [(session: NodeName, acks: [PushAck])] = []
        for user in waiting.keys.sorted() {
            guard let ack = waiting[user] else { continue }
            let entry = PushAck(user: user, upTo: ack.upTo, generation: ack.generation)
            if let i = calls.firstIndex(where: { $0.session == ack.session }) {
                calls[i].acks.append(entry)
            } else {
                calls.append((ack.session, [entry]))
            }
        }
        for call in calls { send(.acks(call.acks), to: call.session) }
    }
}
