import NetModel

extension ClientNode {
    /// Sends a request to the gateway (or the push frontend, or the next frontend).
    /// - Returns: its request id.
    @discardableResult
    func request(_ service: ClientService, token: String, attack: Bool = false) -> UInt64 {
        let id = nextRequest
        nextRequest += 1
        let req = ClientRequest(requestID: id, token: token, service: service)
        let target = plan.gateway ?? (isConnected ? streamFrontend : nil)
            ?? plan.frontends[frontendCursor % max(1, plan.frontends.count)]
        pending[id] = (req.traceLabel, env.now.nanoseconds, attack)
        lastMessageID = env.send(.request(req), to: target)
        return id
    }

    func handle(_ reply: ClientReply) {
        guard let asked = pending.removeValue(forKey: reply.requestID) else { return }
        let ok: Bool
        var reason = ""
        if case .error(let why) = reply.result { ok = false; reason = why } else { ok = true }
        if asked.service != "Login", !asked.attack { lastRequestOK = ok }
        env.log(NodeLog.clientReply, ["service": .text(asked.service), "result": .text(ok ? "ok" : "error"),
                                                     "reason": .text(reason.isEmpty ? "-" : reason), "req": .number(UInt64(reply.requestID))])
        if reason == "expired-token", refreshID == nil {
            // The token ran out: log in again in the background, keep the stream.
            refreshID = request(.login(user: plan.user, password: "pw-" + plan.user), token: "")
        }
        if refreshID == reply.requestID {
            refreshID = nil
            if case .token(let t) = reply.result { adopt(t) }
            return
        }
        if case .loggingIn(let id) = phase, id == reply.requestID {
            if case .token(let t) = reply.result {
                adopt(t)
                if firstToken == nil, let exp = Self.expiry(of: t) { firstToken = (t, exp) }
                openStream()
            } else {
                retry("login-" + reason)
            }
        }
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
        send(service, retries: 2)
    }

    /// Sends a request; one left unanswered for 2 s is sent again (`retries` times), then counts
    /// as failed.
    private func send(_ service: ClientService, retries: Int) {
        let id = request(service, token: token)
        env.scheduleTimer(after: .seconds(2), on: self) { node in
            guard node.pending.removeValue(forKey: id) != nil else { return }
            if retries > 0, node.isConnected {
                node.send(service, retries: retries - 1)
            } else {
                node.lastRequestOK = false
            }
        }
    }

    /// Whether the load phase is still on.
    var loadPhase: Bool { env.now.nanoseconds < plan.loadEndsAt }

    func sendMessage() {
        guard isConnected, loadPhase, plan.users.count > 1 else { return }
        request(.message(to: randomOtherUser(), text: "hi"), token: token)
    }

    /// Another user, among those who started before this client (so most are online); client 1
    /// picks among all.
    private func randomOtherUser() -> String {
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
        for d in skipped { record(d.payload) }
        if case .deliver(let items) = decision {
            for d in items { record(d.payload) }
        }
        env.send(.pushAck(upTo: inbox.ackValue, generation: inboxGeneration), on: id)
    }

    private func record(_ f: PushFrame) {
        let latency = env.now.nanoseconds - f.acceptedAt
        env.log(NodeLog.pushReceived, ["push": .number(f.pushID), "user": .text(plan.user), "seq": .number(UInt64(f.seq)),
                                                      "gen": .number(UInt64(f.generation)), "latency-ns": .signed(Int64(latency))])
        guard case .chat(let chat) = f.body else { return }
        switch chat {
        case .line(_, _, let messageID):
            env.log(NodeLog.chatReceived, ["msg": .number(UInt64(messageID))])
        case .system(let text):
            if let room = plan.chatRoom, text == "방제[\(room)] 방에 입장했습니다." { joinedRoom() }
        case .rooms(let list):
            if let room = plan.chatRoom, !inRoom {
                if let match = list.first(where: { $0.title == room }) {
                    request(.chat(.join(roomID: match.roomID)), token: token)
                } else {
                    env.scheduleTimer(after: .milliseconds(500), on: self) { $0.enterRoomIfNeeded() }
                }
            }
        }
    }

    // MARK: chat

    func enterRoomIfNeeded() {
        guard let room = plan.chatRoom, !inRoom, isConnected else { return }
        if plan.createsRoom && lineCounter == 0 {
            lineCounter = 1
            request(.chat(.create(title: room)), token: token)
        } else {
            request(.chat(.rooms), token: token)
        }
    }

    private func joinedRoom() {
        guard !inRoom else { return }
        inRoom = true
        scheduleLoop(rate: plan.chatRate) { $0.say() }
    }

    private func say() {
        guard isConnected, inRoom, loadPhase else { return }
        lineCounter += 1
        let id = UInt64(env.name.index) << 32 | lineCounter
        request(.chat(.say(text: "line \(lineCounter)", messageID: id)), token: token)
    }
}

