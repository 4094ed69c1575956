import NetModel

extension ChatCore {
    /// Applies one command of `user` (arrived from `source`) and queues its effects.
    /// - Returns: what the member is told: `joined` when it is in a room afterwards (create, join,
    ///   restore), `notInRoom` for a line or a leave from a member the node does not know in a room
    ///   (the member restores), `ok` otherwise.
    mutating func apply(_ command: ChatCommand, from user: String, via source: NodeName) -> ClientResult {
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
            let lineEffects = rooms.chat(member, text: text)
            effects = lineEffects
            // The detail (the recipients' list) is built only when the node's events are recorded.
            log(NodeLog.chatLine, ["msg": .number(UInt64(messageID)), "room": .number(UInt64(room)), "sender": .text(user),
                                   "members": .list(lineEffects.compactMap { e -> String? in
                                       if case .chat(let to, _, _) = e { return to.rawValue } else { return nil }
                                   }),
                                   "text": .text(text)])
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

    /// Disconnects every member that connected through `node` (removed by management): the
    /// others in their rooms get the leave notices, as when a connection closes.
    mutating func dropMembers(of node: NodeName) {
        let users = origins.filter { $0.value == node }.keys.sorted()
        guard !users.isEmpty else { return }
        log(NodeLog.chatMembersDropped, ["node": .name(node), "members": .number(UInt64(users.count))])
        for user in users {
            origins[user] = nil
            let effects = rooms.disconnect(ChatMemberID(user))
            if !effects.isEmpty { deliver(effects, lineID: 0) }
        }
    }

    /// Queues each effect for its member as a push (one push call per distinct content) in the
    /// outbox, then sends what is unsent: in order, each kept until the session node confirms it.
    mutating func deliver(_ effects: [ChatEffect], lineID: UInt64) {
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
            let (key, id) = nextPushKey()
            let call = BackendCall.pushTo(users: item.users, pushID: id, body: .chat(item.body),
                                          acceptedAt: now.nanoseconds, request: key)
            if let dropped = outbox.append(key, call) {
                log(NodeLog.chatPushDropped, ["push": .number(dropped.id)])
            }
        }
        flushOutbox()
    }

    /// Has every unconfirmed push not sent on the session stream yet sent at the end of the
    /// event (`sendUnsent`): the pushes of all the commands of one event go together.
    mutating func flushOutbox() {
        flushDue = true
    }

    /// Sends, on the stream to the session node (opened when needed), every unconfirmed push not
    /// sent on it yet, in order: several as one `batch` message (`CallBatch`; the session node
    /// takes each push as if it came alone). Without a known session node nothing is sent (they
    /// wait).
    mutating func sendUnsent() {
        guard let session = sessionNode else { return }
        let stream = sessionStream ?? openSessionStream(to: session)
        for message in CallBatch.messages(outbox.takeUnsent(onStream: stream.number, now: now)) {
            sendOnSessionStream(message, stream)
        }
    }

    /// Sends every unconfirmed push again, in order (on a new stream when the old one broke or the
    /// session node changed). The session node holds each request key once.
    mutating func resendOutbox(newStream: Bool) {
        if newStream, let old = sessionStream {
            sessionStream = nil
            closeSessionStream(old)
        }
        outbox.markAllUnsent()
        flushOutbox()
    }
}
