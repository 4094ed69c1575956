import NetModel

extension ChatDoorCore {
    // MARK: the chat server's calls

    /// A connection opened: `member` joins under `name` (its peer address), with a user name
    /// unique in the cluster; once the door serves, it logs in at the session node and connects
    /// at the chat node.
    mutating func open(_ member: ChatMemberID, name: String, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        open(member, name: name)
        return end()
    }

    /// Several calls of the chat server in one event, in order (what queued while the door was
    /// busy): as `open`, `handle` and `close` one after the other, except that consecutive
    /// commands go to the chat node in one message (`sendOnChatStream`).
    mutating func take(_ calls: [ChatDoorCall], link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        for call in calls {
            switch call {
            case .open(let member, let name): open(member, name: name)
            case .message(let message, let member): handle(message, from: member)
            case .close(let member): close(member)
            }
        }
        return end()
    }

    /// `open(_:name:link:now:)` within an event.
    mutating func open(_ member: ChatMemberID, name: String) {
        guard members[member] == nil else { return }
        let user = userPrefix + member.rawValue   // `d1/TAG/ID`: 15 bytes up to ID 999,999
        let record = DoorMember(user: user, defaultName: name, connection: nextConnection, since: now.nanoseconds)
        nextConnection += 1
        members[member] = record
        users[user] = member
        log(NodeLog.chatDoorMember, ["user": .text(user), "event": .text("connect")])
        if link.isServing {   // otherwise logged in and connected once registered
            callSession(.sessionLogin(user: user, frontend: self.name, connection: record.connection, since: record.since))
            sendChat(.connect(name: name), for: user)
        }
    }

    /// One client message from `member`: sent to the chat node, or refused with a system message
    /// when the cluster cannot take it.
    mutating func handle(_ message: ChatClientMessage, from member: ChatMemberID, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        handle(message, from: member)
        return end()
    }

    /// `handle(_:from:link:now:)` within an event.
    mutating func handle(_ message: ChatClientMessage, from member: ChatMemberID) {
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
        if isReady(link) {
            sendChat(command, for: record.user)
        } else {
            let reason = !link.isServing ? "not-registered" : sessionNode(link) == nil ? "no-session-node" : "no-chat-node"
            log(NodeLog.chatDoorRefused, ["user": .text(record.user), "reason": .text(reason)])
            effects([.system(to: member, text: ChatText.unreachable)])
        }
    }

    /// `member`'s connection closed: it leaves its room (the chat node tells the others) and the
    /// session.
    mutating func close(_ member: ChatMemberID, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        close(member)
        return end()
    }

    /// `close(_:link:now:)` within an event.
    mutating func close(_ member: ChatMemberID) {
        guard let record = members.removeValue(forKey: member) else { return }
        users[record.user] = nil
        log(NodeLog.chatDoorMember, ["user": .text(record.user), "event": .text("disconnect")])
        guard link.isServing else { return }
        sendChat(.disconnect, for: record.user)
        callSession(.sessionLogout(user: record.user, frontend: name, connection: record.connection))
    }

    // MARK: to the chat node

    /// Sends `command` for `user` on the chat stream, opening it first when needed: a new stream
    /// begins with a `connect` for every member (oldest first), so a restarted chat node knows
    /// them before their commands.
    mutating func sendChat(_ command: ChatCommand, for user: String) {
        guard let chat = chatNode(link) else { return }
        if let open = chatStream, open.node != chat { dropChatStream() }
        let stream: ChatStream
        if let open = chatStream {
            stream = open.stream
        } else {
            stream = openChatStream(to: chat)
            for record in members.values.sorted(by: { $0.connection < $1.connection }) {
                sendOnChatStream(.chat(user: record.user, command: .connect(name: record.defaultName), request: nil), stream)
            }
            if case .connect = command { return }   // just sent with the others
        }
        sendOnChatStream(.chat(user: user, command: command, request: nil), stream)
    }
}
