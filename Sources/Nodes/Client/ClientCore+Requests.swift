import NetModel

extension ClientCore {
    /// The `reason` a client logs when it gives up on a request that was never answered.
    static let noAnswer = "no-answer"

    /// How long a client waits for an answer before it asks again.
    static let requestTimeout: Duration = .seconds(1)
    /// How many times a request is asked again before it counts as failed: at least 30 s of
    /// trying (1 s per timeout, 2 s per retryable refusal), which outlasts a partition or a
    /// restart that the cluster recovers from, and at 4% loss each way makes a loss-only failure
    /// vanishingly rare.
    static let retryLimit = 30

    /// Sends a request to the gateway (or the push frontend, or the next frontend).
    /// - Returns: its request id.
    @discardableResult
    mutating func request(_ service: ClientService, token: String, attack: Bool = false, retries: Int = 0) -> UInt64 {
        let id = RequestKey.id(incarnation: incarnationTag, counter: nextRequest)
        nextRequest += 1
        let req = ClientRequest(requestID: id, token: token, call: service.call, origin: name)
        pending[id] = PendingRequest(service: service, attack: attack, retriesLeft: retries)
        transmit(req)
        if retries > 0 { scheduleTimeout(id, attempt: 0) }
        return id
    }

    private mutating func transmit(_ req: ClientRequest) {
        let target = plan.gateway ?? (isConnected ? streamFrontend : nil)
            ?? plan.frontends[frontendCursor % max(1, plan.frontends.count)]
        send(.request(req), to: target)
    }

    /// A write (a push, a chat command) is sent again under its own id, so the node that executes
    /// it answers with the first answer if it ran already: `retries` more times, `requestTimeout`
    /// apart or 500 ms after a retryable refusal.
    private mutating func scheduleTimeout(_ id: UInt64, attempt: Int) {
        schedule(.requestTimeout(requestID: id, attempt: attempt), after: Self.requestTimeout)
    }

    mutating func resendOrGiveUp(_ id: UInt64) {
        guard var waiting = pending[id] else { return }
        if waiting.retriesLeft > 0, !isConnected {
            // Between streams: wait for the reconnect rather than give up (the budget still runs).
            waiting.retriesLeft -= 1
            waiting.attempt += 1
            pending[id] = waiting
            return scheduleTimeout(id, attempt: waiting.attempt)
        }
        guard waiting.retriesLeft > 0 else {
            pending[id] = nil
            if !waiting.attack { lastRequestOK = false }
            log(NodeLog.clientReply, ["service": .text(waiting.label), "result": .text("error"),
                                      "reason": .text(Self.noAnswer), "req": .number(id)])
            // A chat command that never got an answer is handled as refused: a create, join or
            // restore is tried again, so no member waits for a room forever.
            if case .chat(let command) = waiting.service { chatAnswered(command, .refused(.chatUnavailable)) }
            return
        }
        waiting.retriesLeft -= 1
        waiting.attempt += 1
        transmit(ClientRequest(requestID: id, token: token, call: waiting.call, origin: name))
        scheduleTimeout(id, attempt: waiting.attempt)
        pending[id] = waiting
    }

    mutating func handle(_ reply: ClientReply) {
        // Taken out (one copy): put back only when it is asked again.
        guard var asked = pending.removeValue(forKey: reply.requestID) else { return }
        let refusal = reply.result.refusal
        // Refused for its token (it expired, on a frontend whose clock runs ahead, before the
        // refresh got through a lossy network): never run, so it is asked again once the client
        // has logged in again — a retry carries the token in use when it is sent.
        let afterLogin = refusal?.needsLogin == true && !asked.attack && asked.label != "Login" && reply.requestID != refreshID
        if afterLogin, refreshID == nil { refreshToken() }
        if let refusal, refusal.isRetryable || afterLogin, asked.retriesLeft > 0 {
            // Not done yet: ask again soon, under the same id.
            asked.attempt += 1
            schedule(.refusalRetry(requestID: reply.requestID, attempt: asked.attempt), after: .milliseconds(500))
            logReply(asked, reply)
            pending[reply.requestID] = asked
            return
        }
        if let left = readRetries.removeValue(forKey: reply.requestID), let refusal, refusal.isRetryable || afterLogin, left > 0 {
            logReply(asked, reply)
            schedule(.readAgain(service: asked.service, retries: left), after: .milliseconds(500))
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

    private mutating func logReply(_ asked: PendingRequest, _ reply: ClientReply) {
        // One array, sized for every field up front (a literal of four grown by an append, then
        // copied into the detail, was three allocations per reply).
        var fields: [(String, TraceValue)] = []
        fields.reserveCapacity(6)
        fields.append(("service", .text(asked.label)))
        fields.append(("result", .text(reply.result.isSuccess ? "ok" : "error")))
        fields.append(("reason", .text(reply.result.refusal?.label ?? "-")))
        fields.append(("req", .number(reply.requestID)))
        if case .accepted(let pushID) = reply.result { fields.append(("push", .number(pushID))) }
        if case .chat(.say(_, let messageID)) = asked.service { fields.append(("msg", .number(messageID))) }
        log(NodeLog.clientReply, TraceDetail(pairs: fields))
    }

    // MARK: the workload

    /// Schedules the next round of `loop` at an exponential inter-arrival time for `rate` (none
    /// for rate 0).
    mutating func scheduleLoop(_ loop: Loop, rate: Double) {
        guard rate > 0 else { return }
        let u = randomUnit()
        let seconds = -log1pNegative(u) / rate
        schedule(.loop(loop, rate: rate), after: .nanoseconds(Int64(seconds * 1e9)))
    }

    /// One round of `loop`.
    mutating func run(_ loop: Loop) {
        switch loop {
        case .requests: sendRequest()
        case .messages: sendMessage()
        case .attacks: attack()
        case .service(let name): callService(name)
        case .chat: say()
        }
    }

    mutating func sendRequest() {
        guard isConnected else { return }
        let service: ClientService = random() % 2 == 0 ? .state : .isOnline(user: randomOtherUser())
        send(service, retries: Self.retryLimit)
    }

    /// Sends a read; one left unanswered for `requestTimeout` is asked again as a new request
    /// (`retries` times), then counts as failed.
    /// A read refused with a retryable refusal is asked again 500 ms later, the same way.
    private mutating func send(_ service: ClientService, retries: Int) {
        let id = request(service, token: token)
        readRetries[id] = retries
        schedule(.readTimeout(requestID: id, service: service, retries: retries), after: Self.requestTimeout)
    }

    /// A read got no answer (or a retryable refusal): ask again as a new request when connected;
    /// between streams, wait a timeout and look again, while the retries last.
    mutating func askAgain(_ service: ClientService, retries: Int) {
        guard retries > 0 else {
            lastRequestOK = false
            return
        }
        if isConnected { return send(service, retries: retries - 1) }
        schedule(.readAgain(service: service, retries: retries - 1), after: Self.requestTimeout)
    }

    /// Calls the simulated service `name` with a request it draws (during the load phase).
    mutating func callService(_ name: String) {
        guard isConnected, loadPhase else { return }
        let plan = plan, random = random
        var draw = WorkloadDraw(user: plan.user, pickUser: { Self.otherUser(in: plan, random) }, draw: random)
        guard let call = plan.services.workloadCall(name, &draw) else { return }
        request(.custom(call), token: token, retries: Self.retryLimit)
    }

    mutating func sendMessage() {
        guard isConnected, loadPhase, plan.users.count > 1 else { return }
        request(.message(to: randomOtherUser(), text: "hi"), token: token, retries: Self.retryLimit)
    }

    /// Another user, among those who started before this client (so most are online); client 1
    /// picks among all.
    func randomOtherUser() -> String { Self.otherUser(in: plan, random) }

    private static func otherUser(in plan: ClientPlan, _ random: () -> UInt64) -> String {
        let mine = plan.userIndex
        let pool = mine > 0 ? mine : plan.users.count
        var other = plan.users[Int(random() % UInt64(pool))]
        if other == plan.user { other = plan.users[(mine + 1) % plan.users.count] }
        return other
    }
}

extension ClientService {
    /// The name of the service it calls (`call.service`, the trace label of its request),
    /// without making the call.
    var serviceName: String {
        switch self {
        case .state: StateService.name
        case .login: LoginService.name
        case .message: MessageService.name
        case .broadcast: BroadcastService.name
        case .kick: KickService.name
        case .isOnline: IsOnlineService.name
        case .chat: ChatService.name
        case .custom(let call): call.service
        }
    }
}
