import NetModel

extension ClientNode {
    /// A request waiting for its answer.
    struct PendingRequest {
        /// What was asked.
        var service: ClientService
        /// The call on the wire (a write is sent again under the same id, unchanged).
        var call: ServiceCall
        /// Its trace label.
        var label: String
        /// Sent on purpose with a bad token or group (attacks): never retried, never judged.
        var attack: Bool
        /// How many more times it may be sent again.
        var retriesLeft: Int
        /// Which send this is (a timeout of an earlier send does nothing).
        var attempt: Int = 0
    }

    /// Sends a request to the gateway (or the push frontend, or the next frontend).
    /// - Returns: its request id.
    @discardableResult
    func request(_ service: ClientService, token: String, attack: Bool = false, retries: Int = 0) -> UInt64 {
        let id = RequestKey.id(incarnation: incarnationTag, counter: nextRequest)
        nextRequest += 1
        let req = ClientRequest(requestID: id, token: token, call: service.call, origin: env.name)
        pending[id] = PendingRequest(service: service, call: req.call, label: req.traceLabel, attack: attack,
                                     retriesLeft: retries)
        transmit(req)
        if retries > 0 { scheduleTimeout(id) }
        return id
    }

    private func transmit(_ req: ClientRequest) {
        let target = plan.gateway ?? (isConnected ? streamFrontend : nil)
            ?? plan.frontends[frontendCursor % max(1, plan.frontends.count)]
        lastMessageID = env.send(.request(req), to: target)
    }

    /// The `reason` a client logs when it gives up on a request that was never answered.
    static let noAnswer = "no-answer"

    /// How long a client waits for an answer before it asks again.
    static let requestTimeout: Duration = .seconds(1)
    /// How many times a request is asked again before it counts as failed: at least 30 s of
    /// trying (1 s per timeout, 2 s per retryable refusal), which outlasts a partition or a
    /// restart that the cluster recovers from, and at 4% loss each way makes a loss-only failure
    /// vanishingly rare.
    static let retryLimit = 30

    /// A write (a push, a chat command) is sent again under its own id, so the node that executes
    /// it answers with the first answer if it ran already: `retries` more times, `requestTimeout`
    /// apart or 500 ms after a retryable refusal.
    private func scheduleTimeout(_ id: UInt64) {
        guard let attempt = pending[id]?.attempt else { return }
        env.scheduleTimer(after: Self.requestTimeout, on: self) { node in
            guard let waiting = node.pending[id], waiting.attempt == attempt else { return }
            node.resendOrGiveUp(id)
        }
    }

    private func resendOrGiveUp(_ id: UInt64) {
        guard var waiting = pending[id] else { return }
        if waiting.retriesLeft > 0, !isConnected {
            // Between streams: wait for the reconnect rather than give up (the budget still runs).
            waiting.retriesLeft -= 1
            waiting.attempt += 1
            pending[id] = waiting
            return scheduleTimeout(id)
        }
        guard waiting.retriesLeft > 0 else {
            pending[id] = nil
            if !waiting.attack { lastRequestOK = false }
            env.log(NodeLog.clientReply, ["service": .text(waiting.label), "result": .text("error"),
                                          "reason": .text(Self.noAnswer), "req": .number(id)])
            // A chat command that never got an answer is handled as refused: a create, join or
            // restore is tried again, so no member waits for a room forever.
            if case .chat(let command) = waiting.service { chatAnswered(command, .refused(.chatUnavailable)) }
            return
        }
        waiting.retriesLeft -= 1
        waiting.attempt += 1
        pending[id] = waiting
        transmit(ClientRequest(requestID: id, token: token, call: waiting.call, origin: env.name))
        scheduleTimeout(id)
    }

    func handle(_ reply: ClientReply) {
        guard let asked = pending[reply.requestID] else { return }
        let refusal = reply.result.refusal
        if let refusal, refusal.isRetryable, asked.retriesLeft > 0 {
            // Not done yet: ask again soon, under the same id.
            pending[reply.requestID]?.attempt += 1
            let attempt = asked.attempt + 1
            env.scheduleTimer(after: .milliseconds(500), on: self) { node in
                guard node.pending[reply.requestID]?.attempt == attempt else { return }
                node.resendOrGiveUp(reply.requestID)
            }
            logReply(asked, reply)
            return
        }
        pending[reply.requestID] = nil
        if let left = readRetries.removeValue(forKey: reply.requestID), let refusal, refusal.isRetryable, left > 0 {
            logReply(asked, reply)
            env.scheduleTimer(after: .milliseconds(500), on: self) { node in node.askAgain(asked.service, retries: left) }
            return
        }
        // A login that succeeds is a request served; one that fails is retried by the login
        // cycle and is not counted against the client's other requests.
        // A service's own refusal (not online, not enough items) is an answer, not a failure.
        if !asked.attack, asked.label != "Login" || refusal == nil { lastRequestOK = refusal?.isServiceAnswer ?? true }
        logReply(asked, reply)
        if let refusal, refusal.needsLogin, refreshID == nil, !asked.attack {
            // The token is refused (expired, or bad here): log in again in the background and keep
            // the stream; the login may be served by another frontend.
            refreshToken()
        }
        if refreshID == reply.requestID {
            refreshID = nil
            if case .token(let t) = reply.result { adopt(t) } else { refreshToken() }
            return
        }
        if case .loggingIn(let id) = phase, id == reply.requestID {
            if case .token(let t) = reply.result {
                adopt(t)
                if firstToken == nil, let exp = Self.expiry(of: t) { firstToken = (t, exp) }
                openStream()
            } else {
                retry("login-" + (refusal?.label ?? "unexpected"))
            }
            return
        }
        if case .chat(let command) = asked.service { chatAnswered(command, reply.result) }
    }

    private func logReply(_ asked: PendingRequest, _ reply: ClientReply) {
        var fields: [TraceDetail.Field] = [("service", .text(asked.label)),
                                           ("result", .text(reply.result.isSuccess ? "ok" : "error")),
                                           ("reason", .text(reply.result.refusal?.label ?? "-")), ("req", .number(reply.requestID))]
        if case .accepted(let pushID) = reply.result { fields.append(("push", .number(pushID))) }
        if case .chat(.say(_, let messageID)) = asked.service { fields.append(("msg", .number(messageID))) }
        env.log(NodeLog.clientReply, TraceDetail(fields: fields))
    }

    /// Runs `body` at exponential inter-arrival times with the given rate (none for rate 0).
    func scheduleLoop(rate: Double, _ body: @escaping @Sendable (isolated ClientNode) -> Void) {
        guard rate > 0 else { return }
        let u = env.randomUnit()
        let seconds = -log1pNegative(u) / rate
        env.scheduleTimer(after: .nanoseconds(Int64(seconds * 1e9)), on: self) { node in
            body(node)
            node.scheduleLoop(rate: rate, body)
        }
    }

    func sendRequest() {
        guard isConnected else { return }
        let service: ClientService = env.random() % 2 == 0 ? .state : .isOnline(user: randomOtherUser())
        send(service, retries: Self.retryLimit)
    }

    /// Sends a read; one left unanswered for `requestTimeout` is asked again as a new request
    /// (`retries` times), then counts as failed.
    /// A read refused with a retryable refusal is asked again 500 ms later, the same way.
    private func send(_ service: ClientService, retries: Int) {
        let id = request(service, token: token)
        readRetries[id] = retries
        env.scheduleTimer(after: Self.requestTimeout, on: self) { node in
            guard node.pending.removeValue(forKey: id) != nil else { return }
            node.readRetries[id] = nil
            node.askAgain(service, retries: retries)
        }
    }

    /// A read got no answer (or a retryable refusal): ask again as a new request when connected;
    /// between streams, wait a timeout and look again, while the retries last.
    private func askAgain(_ service: ClientService, retries: Int) {
        guard retries > 0 else {
            lastRequestOK = false
            return
        }
        if isConnected { return send(service, retries: retries - 1) }
        env.scheduleTimer(after: Self.requestTimeout, on: self) { node in node.askAgain(service, retries: retries - 1) }
    }

    /// Whether the load phase is still on.
    var loadPhase: Bool { env.now.nanoseconds < plan.loadEndsAt }

    /// Calls the simulated service `name` with a request it draws (during the load phase).
    func callService(_ name: String) {
        guard isConnected, loadPhase else { return }
        var draw = WorkloadDraw(user: plan.user, pickUser: { self.randomOtherUser() }, draw: { self.env.random() })
        guard let call = plan.services.workloadCall(name, &draw) else { return }
        request(.custom(call), token: token, retries: Self.retryLimit)
    }

    func sendMessage() {
        guard isConnected, loadPhase, plan.users.count > 1 else { return }
        request(.message(to: randomOtherUser(), text: "hi"), token: token, retries: Self.retryLimit)
    }

    /// Another user, among those who started before this client (so most are online); client 1
    /// picks among all.
    func randomOtherUser() -> String {
        let mine = plan.userIndex
        let pool = mine > 0 ? mine : plan.users.count
        var other = plan.users[Int(env.random() % UInt64(pool))]
        if other == plan.user { other = plan.users[(mine + 1) % plan.users.count] }
        return other
    }

    // MARK: pushes

    func receivePush(_ frame: PushFrame, on id: StreamID) {
        if frame.generation != inboxGeneration {
            // A new outbox (the session node restarted): numbering starts again.
            inbox.reset()
            inboxGeneration = frame.generation
        }
        let skipped = inbox.skip(below: frame.floor).delivered
        let decision = inbox.receive(seq: frame.seq, payload: frame)
        if case .duplicate = decision {
            env.log(NodeLog.pushDuplicate, ["push": .number(frame.pushID), "seq": .number(UInt64(frame.seq))])
        }
        for d in skipped { deliverOnce(d.payload) }
        if case .deliver(let items) = decision {
            for d in items { deliverOnce(d.payload) }
        }
        env.send(.pushAck(upTo: inbox.ackValue, generation: inboxGeneration), on: id)
    }

    /// Hands a push to the application unless its id was delivered already (a restarted session
    /// node may send a push again under its new generation).
    private func deliverOnce(_ f: PushFrame) {
        guard recentPushes.insert(f.pushID) else {
            env.log(NodeLog.pushRepeat, ["push": .number(f.pushID), "seq": .number(f.seq), "gen": .number(f.generation)])
            return
        }
        record(f)
    }

    private func record(_ f: PushFrame) {
        let latency = env.now.nanoseconds - f.acceptedAt
        env.log(NodeLog.pushReceived, ["push": .number(f.pushID), "user": .text(plan.user), "seq": .number(UInt64(f.seq)),
                                                      "gen": .number(UInt64(f.generation)), "latency-ns": .signed(Int64(latency))])
        guard case .chat(let chat) = f.body else { return }
        switch chat {
        case .line(let from, let text, let messageID):
            // A line a restarted chat node said again (its sender retried it) is shown once.
            guard recentLines.insert(messageID) else {
                env.log(NodeLog.chatRepeat, ["msg": .number(messageID)])
                return
            }
            env.log(NodeLog.chatReceived, ["msg": .number(UInt64(messageID)), "from": .text(from), "text": .text(text)])
        case .system(let text):
            env.log(NodeLog.chatSystem, ["text": .text(text)])
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
                    env.scheduleTimer(after: .milliseconds(500), on: self) { $0.enterRoomIfNeeded() }
                }
            }
        }
    }

    // MARK: chat

    func enterRoomIfNeeded() {
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
    func chatAnswered(_ command: ChatCommand, _ result: ClientResult) {
        switch (command, result) {
        case (_, .joined(let id, let title)):
            if case .create = command { createdRoom = true }
            room = (id, title)
            if !inRoom {
                inRoom = true
                if case .restore = command {
                    env.log(NodeLog.chatRestored, ["room": .number(UInt64(id)), "title": .text(title)])
                } else if !chatting {
                    chatting = true
                    scheduleLoop(rate: plan.chatRate) { $0.say() }
                }
            }
        case (.say, .refused(.notInRoom)), (.leave, .refused(.notInRoom)):
            // The chat node restarted and forgot the membership: put it back.
            guard let room else { return }
            inRoom = false
            request(.chat(.restore(roomID: room.id, title: room.title)), token: token, retries: Self.retryLimit)
        case (.create, .refused), (.join, .refused), (.rooms, .refused), (.restore, .refused):
            // Not done: try again a little later.
            env.scheduleTimer(after: .milliseconds(500), on: self) { node in
                if let room = node.room, !node.inRoom {
                    node.request(.chat(.restore(roomID: room.id, title: room.title)), token: node.token, retries: Self.retryLimit)
                } else {
                    node.enterRoomIfNeeded()
                }
            }
        default:
            break
        }
    }

    private func say() {
        guard isConnected, inRoom, loadPhase else { return }
        lineCounter += 1
        let id = UInt64(env.name.index) << 32 | lineCounter
        request(.chat(.say(text: "line \(lineCounter)", messageID: id)), token: token, retries: Self.retryLimit)
    }
}

