import NetModel

extension ClientCore {
    // MARK: pushes

    /// A push frame on the stream: taken in by the inbox, delivered once, acknowledged.
    mutating func receivePush(_ frame: PushFrame, on id: StreamID) {
        let receipt = inbox.receive(seq: frame.seq, floor: frame.floor, generation: frame.generation, payload: frame)
        if receipt.duplicate {
            log(NodeLog.pushDuplicate, ["push": .number(frame.pushID), "seq": .number(UInt64(frame.seq))])
        }
        for d in receipt.delivered { deliverOnce(d.payload) }
        sendOnStream(.pushAck(upTo: receipt.ack, generation: inbox.generation), id)
    }

    /// Hands a push to the application unless its id was delivered already (a restarted session
    /// node may send a push again under its new generation).
    private mutating func deliverOnce(_ f: PushFrame) {
        guard recentPushes.insert(f.pushID) else {
            log(NodeLog.pushRepeat, ["push": .number(f.pushID), "seq": .number(f.seq), "gen": .number(f.generation)])
            return
        }
        record(f)
    }

    private mutating func record(_ f: PushFrame) {
        let latency = now.nanoseconds - f.acceptedAt
        log(NodeLog.pushReceived, ["push": .number(f.pushID), "user": .text(plan.user), "seq": .number(UInt64(f.seq)),
                                   "gen": .number(UInt64(f.generation)), "latency-ns": .signed(Int64(latency))])
        guard case .chat(let chat) = f.body else { return }
        switch chat {
        case .line(let from, let text, let messageID):
            // A line a restarted chat node said again (its sender retried it) is shown once.
            guard recentLines.insert(messageID) else {
                log(NodeLog.chatRepeat, ["msg": .number(messageID)])
                return
            }
            log(NodeLog.chatReceived, ["msg": .number(UInt64(messageID)), "from": .text(from), "text": .text(text)])
        case .system(let text):
            log(NodeLog.chatSystem, ["text": .text(text)])
        case .restarted:
            // The chat node lost its rooms: put this member back in its room.
            guard let room, plan.chatRoom != nil else { return }
            inRoom = false
            request(.chat(.restore(roomID: room.id, title: room.title)), token: token, retries: Self.retryLimit)
        case .rooms(let list):
            if let room = plan.chatRoom, !inRoom {
                if let match = list.first(where: { $0.title == room }) {
                    request(.chat(.join(roomID: match.roomID)), token: token, retries: Self.retryLimit)
                } else {
                    schedule(.roomListRetry, after: .milliseconds(500))
                }
            }
        }
    }

    // MARK: chat

    mutating func enterRoomIfNeeded() {
        if inRoom, let room, isConnected {
            // Back on a stream: the chat node may have restarted while this client was away (and
            // missed its broadcast). A restore of a room the member is in changes nothing.
            request(.chat(.restore(roomID: room.id, title: room.title)), token: token, retries: Self.retryLimit)
            return
        }
        guard let room = plan.chatRoom, !inRoom, isConnected else { return }
        if plan.createsRoom && !createdRoom {
            request(.chat(.create(title: room)), token: token, retries: Self.retryLimit)
        } else {
            request(.chat(.rooms), token: token, retries: Self.retryLimit)
        }
    }

    /// The chat node's answer to a chat command (after retries): a room entered, a lost
    /// membership to restore, or a command that must be made again.
    mutating func chatAnswered(_ command: ChatCommand, _ result: ClientResult) {
        switch (command, result) {
        case (_, .joined(let id, let title)):
            if case .create = command { createdRoom = true }
            room = (id, title)
            if !inRoom {
                inRoom = true
                if case .restore = command {
                    log(NodeLog.chatRestored, ["room": .number(UInt64(id)), "title": .text(title)])
                } else if !chatting {
                    chatting = true
                    scheduleLoop(.chat, rate: plan.chatRate)
                }
            }
        case (.say, .refused(.notInRoom)), (.leave, .refused(.notInRoom)):
            // The chat node restarted and forgot the membership: put it back.
            guard let room else { return }
            inRoom = false
            request(.chat(.restore(roomID: room.id, title: room.title)), token: token, retries: Self.retryLimit)
        case (.create, .refused), (.join, .refused), (.rooms, .refused), (.restore, .refused):
            // Not done: try again a little later.
            schedule(.chatRetry, after: .milliseconds(500))
        default:
            break
        }
    }

    mutating func say() {
        guard isConnected, inRoom, loadPhase else { return }
        lineCounter += 1
        let id = PushIDLayout.clientLineID(client: name, counter: lineCounter)
        request(.chat(.say(text: "line \(lineCounter)", messageID: id)), token: token, retries: Self.retryLimit)
    }
}
