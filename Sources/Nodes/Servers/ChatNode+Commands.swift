import NetModel

extension ChatNode {
    /// Applies one command of `user` and sends its effects.
    /// - Returns: what the member is told: `joined` when it is in a room afterwards (create, join,
    ///   restore), `notInRoom` for a line or a leave from a member the node does not know in a room
    ///   (the member restores), `ok` otherwise.
    func apply(_ command: ChatCommand, from user: String, via source: NodeName) -> ClientResult {
        let member = ChatMemberID(user)
        switch command {
        case .connect(let name):
            origins[user] = source
            rooms.connect(member, name: name)   // no effects: the reference server sends nothing
            return .ok
        case .disconnect:
            origins[user] = nil
            let effects = rooms.disconnect(member)
            if !effects.isEmpty { deliver(effects, lineID: 0) }
            return .ok
        default:
            break
        }
        let known = rooms.isConnected(member)
        if !known { _ = rooms.connect(member, name: user) }
        var lineID: UInt64 = 0
        let effects: [ChatEffect]
        switch command {
        case .connect, .disconnect:
            effects = []
        case .name(let name): effects = rooms.rename(member, to: name)
        case .rooms: effects = rooms.listRooms(member)
        case .create(let title): effects = rooms.create(member, title: title)
        case .join(let roomID): effects = rooms.join(member, roomID: roomID)
        case .restore(let roomID, let title): effects = rooms.restore(member, roomID: roomID, title: title).effects
        case .leave:
            if rooms.room(of: member) == nil, !known { return .refused(.notInRoom) }
            effects = rooms.leave(member)
        case .say(let text, let messageID):
            guard let room = rooms.room(of: member) else {
                if known { deliver(rooms.chat(member, text: text), lineID: 0) }
                return .refused(.notInRoom)
            }
            lineID = messageID
            effects = rooms.chat(member, text: text)
            let others = effects.compactMap { e -> String? in
                if case .chat(let to, _, _) = e { return to.rawValue } else { return nil }
            }
            env.log(NodeLog.chatLine, ["msg": .number(UInt64(messageID)), "room": .number(UInt64(room)), "sender": .text(user),
                                       "members": .list(others), "text": .text(text)])
        }
        deliver(effects, lineID: lineID)
        switch command {
        case .create, .join, .restore:
            if let room = rooms.room(of: member), let title = rooms.title(ofRoom: room) {
                return .joined(roomID: room, title: title)
            }
            return .ok
        default:
            return .ok
        }
    }

    /// Sends each effect to its member by push (one push call per distinct content), through the
    /// outbox: in order, each kept until the session node confirms it.
    func deliver(_ effects: [ChatEffect], lineID: UInt64) {
        var batch: [(body: ChatPush, users: [String])] = []
        for effect in effects {
            let body: ChatPush
            switch effect {
            case .system(_, let text): body = .system(text)
            case .chat(_, let from, let text): body = .line(member: from, text: text, messageID: lineID)
            case .rooms(_, let list): body = .rooms(list)
            }
            let to = effect.recipient.rawValue
            if let i = batch.firstIndex(where: { $0.body == body }) { batch[i].users.append(to) }
            else { batch.append((body, [to])) }
        }
        for item in batch {
            let id = PushIDLayout.id(prefix: pushIDPrefix, counter: nextPush)
            let key = RequestKey(origin: env.name, id: RequestKey.id(incarnation: PushIDLayout.incarnation(ofPrefix: pushIDPrefix),
                                                                     counter: nextPush))
            nextPush += 1
            let call = BackendCall.pushTo(users: item.users, pushID: id, body: .chat(item.body),
                                          acceptedAt: env.now.nanoseconds, request: key)
            if let dropped = outbox.append(key, call) {
                env.log(NodeLog.chatPushDropped, ["push": .number(dropped.id)])
            }
        }
        flushOutbox()
    }

    /// Sends, on the stream to the session node (opened when needed), every unconfirmed push not
    /// sent on it yet, in order. Without a known session node nothing is sent (they wait).
    func flushOutbox() {
        guard let session = link.config.sessionNode?.name else { return }
        let stream = sessionStream ?? env.transport.openStream(to: session)
        sessionStream = stream
        for call in outbox.takeUnsent(on: stream, now: env.now) {
            env.send(.backend(group: env.groupID, call), on: stream)
        }
    }

    /// Sends every unconfirmed push again, in order (on a new stream when the old one broke or the
    /// session node changed). The session node holds each request key once.
    func resendOutbox(newStream: Bool) {
        if newStream, let old = sessionStream {
            sessionStream = nil
            env.transport.closeStream(old)
        }
        outbox.markAllUnsent()
        flushOutbox()
    }

    /// Every 500 ms: when the oldest unconfirmed push was sent more than a second ago (or never:
    /// no session node was known), send them all again (a lost confirmation, a session node that
    /// held them while registering or that the node has just learned of).
    func scheduleOutboxRetry() {
        env.scheduleTimer(after: .milliseconds(500), on: self) { node in
            if node.outbox.count > 0,
               node.outbox.oldestSentAt.map({ $0.advanced(by: .seconds(1)) <= node.env.now }) ?? true {
                node.resendOutbox(newStream: false)
            }
            node.scheduleOutboxRetry()
        }
    }
}
