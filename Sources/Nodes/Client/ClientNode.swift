import NetModel

/// A simulated game client: logs in (through the gateway when there is one), opens its push stream
/// to a frontend, sends requests and messages at the workload's rates, acknowledges pushes, chats
/// in its room, and on losing its stream reconnects elsewhere with exponential back-off and jitter.
public actor ClientNode: ClusterNode {
    public nonisolated let env: any NodeEnvironment
    let plan: ClientPlan
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var phase: Phase = .idle
    @exclusivity(unchecked) var token = ""
    @exclusivity(unchecked) var backoff = Backoff()
    @exclusivity(unchecked) var frontendCursor: Int
    @exclusivity(unchecked) var stream: StreamID?
    @exclusivity(unchecked) var streamFrontend: NodeName?
    /// Streams of an older device, kicked on purpose by a newer login: never reconnected.
    @exclusivity(unchecked) var retiredStreams: Set<StreamID> = []
    @exclusivity(unchecked) var inbox = PushInbox<PushFrame>()
    @exclusivity(unchecked) var inboxGeneration: UInt64 = 0
    @exclusivity(unchecked) var nextRequest: UInt64 = 1
    /// This incarnation's tag in request ids (`RequestKey.id(incarnation:counter:)`).
    let incarnationTag: UInt64
    @exclusivity(unchecked) var pending: [UInt64: PendingRequest] = [:]
    /// Reads in flight: how many more times each may be asked again (as a new request).
    @exclusivity(unchecked) var readRetries: [UInt64: Int] = [:]
    /// The ids of the last pushes delivered, so a push that a restarted session node sends again
    /// (under a new generation, same push id) is not delivered twice.
    @exclusivity(unchecked) var recentPushes = RecentIDs(capacity: 256)
    /// The ids of the last chat lines shown (a line said again after a chat-node restart is not
    /// shown twice).
    @exclusivity(unchecked) var recentLines = RecentIDs(capacity: 256)
    /// The room the client is in (number and title), as the chat node last confirmed it.
    @exclusivity(unchecked) var room: (id: Int, title: String)?
    @exclusivity(unchecked) var lastMessageID: UInt64 = 0
    @exclusivity(unchecked) var lastRequestOK = true
    @exclusivity(unchecked) var inRoom = false
    @exclusivity(unchecked) var lineCounter: UInt64 = 0
    /// Whether this client's `/create` of its room took effect.
    @exclusivity(unchecked) var createdRoom = false
    /// Whether the chat loop runs (started once, at the first entry in the room).
    @exclusivity(unchecked) var chatting = false
    /// The first token this client got, kept to replay once it has expired (attackers only).
    @exclusivity(unchecked) var firstToken: (token: String, exp: Int64)?
    @exclusivity(unchecked) var refreshID: UInt64?

    enum Phase: Equatable {
        case idle
        case loggingIn(requestID: UInt64)
        case opening(StreamID)
        case connected(StreamID)
        case waiting
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A client following `plan`.
    public init(env: any NodeEnvironment, plan: ClientPlan) {
        self.env = env
        self.plan = plan
        frontendCursor = (env.name.index - 1) % max(1, plan.frontends.count)
        incarnationTag = env.incarnationID
    }

    /// Whether the push stream is open and accepted.
    public var isConnected: Bool { if case .connected = phase { true } else { false } }
    /// The frontend holding the push stream.
    public var pushFrontend: NodeName? { isConnected ? streamFrontend : nil }
    /// Whether the last request got a successful reply.
    public var lastRequestSucceeded: Bool { lastRequestOK }

    /// For a client: connected.
    public var isServing: Bool { isConnected }

    public func start() {
        login()
        scheduleLoop(rate: plan.requestRate) { $0.sendRequest() }
        scheduleLoop(rate: plan.pushRate) { $0.sendMessage() }
        scheduleLoop(rate: plan.attackRate) { $0.attack() }
        for load in plan.serviceLoads {
            let name = load.service
            scheduleLoop(rate: load.rate) { $0.callService(name) }
        }
        if let after = plan.duplicateLoginAfter {
            env.scheduleTimer(after: after, on: self) { $0.duplicateLogin() }
        }
    }

    public func shutdown() {
        if let stream { env.transport.closeStream(stream) }
        phase = .idle
    }

    // MARK: login and the push stream

    func login() {
        let id = request(.login(user: plan.user, password: "pw-" + plan.user), token: "")
        phase = .loggingIn(requestID: id)
        env.scheduleTimer(after: .seconds(2), on: self) { node in
            // No answer in 2 s: most likely a lost message, not an overloaded cluster — ask again
            // at once (a refusal, by contrast, backs off).
            if node.phase == .loggingIn(requestID: id) {
                node.pending[id] = nil
                node.frontendCursor += 1
                node.login()
            }
        }
    }

    func openStream() {
        guard !plan.frontends.isEmpty else { return }
        let frontend = plan.frontends[frontendCursor % plan.frontends.count]
        let id = env.transport.openStream(to: frontend)
        env.send(.pushOpen(token: token), on: id)
        stream = id
        streamFrontend = frontend
        phase = .opening(id)
        env.scheduleTimer(after: .seconds(2), on: self) { node in
            if node.phase == .opening(id) {
                node.env.transport.closeStream(id)
                node.retry("open-timeout")
            }
        }
    }

    /// Something failed: wait (back-off with jitter), then log in again on the next frontend.
    func retry(_ reason: String) {
        phase = .waiting
        frontendCursor += 1
        let delay = backoff.next(env.randomUnit())
        env.scheduleTimer(after: delay, on: self) { node in
            if node.phase == .waiting { node.login() }
        }
    }

    func duplicateLogin() {
        // A second device logs in: the current stream becomes the old device's, which the
        // session node will kick ("last login wins").
        if let stream { retiredStreams.insert(stream) }
        stream = nil
        frontendCursor += 1   // the other device reaches another frontend
        login()
    }

    public func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            guard case .reply(let reply) = envelope.payload else {
                return unexpected(envelope.payload, from: envelope.source)
            }
            handle(reply)
        case .streamMessage(let id, let peer, let message):
            streamMessage(id, peer: peer, message)
        case .streamClosed(let id, let peer, let reason):
            streamEnded(id, frontend: peer, reason: reason.rawValue)
        case .streamOpened(let id, _):
            env.transport.closeStream(id)
        }
    }

    private func streamMessage(_ id: StreamID, peer: NodeName, _ message: ClusterMessage) {
        if retiredStreams.contains(id) {
            if case .kicked = message { retiredStreams.remove(id) }
            return
        }
        guard id == stream else { return }
        switch message {
        case .pushOpened(let renewed):
            adopt(renewed)
            phase = .connected(id)
            backoff.reset()
            env.log(NodeLog.clientConnected, ["frontend": .name(peer), "conn": .number(UInt64(id.rawValue))])
            enterRoomIfNeeded()
        case .pushRejected(let reason):
            env.transport.closeStream(id)
            streamEnded(id, frontend: peer, reason: reason)
        case .push(let frame):
            receivePush(frame, on: id)
        case .kicked(let reason):
            env.transport.closeStream(id)
            streamEnded(id, frontend: peer, reason: "kicked-" + reason)
        default:
            unexpected(message, from: peer)
        }
    }

    /// Uses a new token, and plans to refresh it when 80% of its life has passed (clients read
    /// `exp` from the token; expired tokens are refused).
    func adopt(_ newToken: String) {
        token = newToken
        guard let exp = Self.expiry(of: newToken) else { return }
        let life = max(1, exp - nowSeconds)
        env.scheduleTimer(after: .milliseconds(life * 800), on: self) { node in
            guard node.token == newToken, node.refreshID == nil else { return }
            node.refreshToken()
        }
    }

    /// Logs in again in the background (the stream stays open); a login left unanswered for 2 s
    /// is asked again as a new request, until a token comes.
    func refreshToken() {
        let id = request(.login(user: plan.user, password: "pw-" + plan.user), token: "")
        refreshID = id
        env.scheduleTimer(after: .seconds(2), on: self) { node in
            guard node.refreshID == id else { return }
            node.pending[id] = nil
            node.refreshID = nil
            node.refreshToken()
        }
    }

    private func streamEnded(_ id: StreamID, frontend: NodeName, reason: String) {
        if retiredStreams.remove(id) != nil { return }
        guard id == stream else { return }
        stream = nil
        env.log(NodeLog.clientDisconnected, ["frontend": .name(frontend), "reason": .text(reason)])
        retry(reason)
    }
}
