import NetModel

/// A frontend (seed 000's frontend service): the Init service (State, Login → JWT), the Push
/// service (one always-open stream per client, token renewed with this node as its push
/// frontend), the stateless request services any frontend serves, and the backend host that
/// receives pushes for its connected users.
package actor FrontendNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    let signer: TokenSigner
    /// What each open stream is.
    @exclusivity(unchecked) var streams: [StreamID: StreamSlot] = [:]
    /// Each user's accepted push stream here.
    @exclusivity(unchecked) var pushStreams: [String: StreamID] = [:]
    /// Reads (State, Login) executed here, per client: a copy gets the first answer.
    @exclusivity(unchecked) var executed = RequestWindow<ClientResult>(capacity: 16)
    /// The services this frontend serves.
    let services: ServiceRegistry
    /// Requests whose service handler is running.
    @exclusivity(unchecked) var running: [RequestKey: RunningHandler] = [:]
    /// Calls handlers made, forwarded to their executor (session or chat node), not answered yet.
    @exclusivity(unchecked) var calls: [RequestKey: ForwardedCall] = [:]
    /// Whether the timer that retries `calls` is running.
    @exclusivity(unchecked) var callTickScheduled = false
    /// The newest stream number seen (a re-sync lists the streams up to it).
    @exclusivity(unchecked) var newestConnection: UInt64 = 0
    /// Push streams whose login the session node acknowledged.
    @exclusivity(unchecked) var announced: Set<StreamID> = []
    @exclusivity(unchecked) var nextPush: UInt64 = 1
    /// Tokens already verified (signature and claims), so a client's repeated requests cost one
    /// dictionary lookup; the expiry is still checked on every use. Bounded: cleared when full.
    @exclusivity(unchecked) var verifiedTokens = VerifiedTokenCache()
    /// The high bits of this incarnation's push ids.
    let pushIDPrefix: UInt64

    /// What a stream carries.
    enum StreamSlot: Equatable {
        /// Opened by a peer; its first frame says what it is.
        case opened(peer: NodeName)
        /// A client's push stream.
        case push(user: String, peer: NodeName, since: Int64)
        /// A gateway's multiplexed request connection.
        case gateway(peer: NodeName)
    }

    /// Where a reply goes.
    enum ReplyRoute: Equatable {
        case direct(NodeName)
        case stream(StreamID)
    }

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A frontend serving `services`.
    package init(env: any NodeEnvironment, services: ServiceRegistry = .standard) {
        self.env = env
        self.services = services
        link = ManagementLink(env: env)
        signer = TokenSigner(secret: env.settings.tokenSecret, maximumLifetime: env.settings.tokenLifetime.components.seconds)
        pushIDPrefix = PushIDLayout.prefix(node: env.name, incarnation: env.incarnationID)
    }

    /// The accepted push streams here, sorted by user: (user, connection id).
    package var openPushStreams: [(user: String, connection: UInt64)] {
        pushStreams.map { ($0.key, $0.value.rawValue) }.sorted { $0.user < $1.user }
    }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    package func start() {
        startManagement()
        scheduleResync()
    }

    /// How often a frontend re-sends its live streams to the session node.
    package static let resyncPeriod: Duration = .seconds(5)

    /// Anti-entropy: every 5 s the frontend re-sends its live streams to the session node, which
    /// merges them (newer login wins, stale entries of this frontend dropped). Repairs what lost
    /// one-shot messages (a login, a kick, a re-sync request) left inconsistent.
    private func scheduleResync() {
        env.scheduleTimer(after: Self.resyncPeriod, on: self) { node in
            if node.link.isServing, let session = node.sessionNode {
                node.handleBackend(.resyncRequest, from: session)
            }
            node.scheduleResync()
        }
    }

    package func shutdown() {
        for id in streams.keys.sorted() { closeStream(id, reason: "shutdown", notifySession: true) }
        unregisterNow()
    }

    /// Registered (at start, or again after the manager forgot or removed this node): tell the
    /// session node at once which streams are here, since it may have dropped them when the
    /// manager announced this node had left.
    func becameServing(_ config: NodeConfig) {
        if let session = config.sessionNode?.name, !streams.isEmpty { handleBackend(.resyncRequest, from: session) }
    }

    func stopServing() {
        // Fenced: a zombie must not keep serving; drop every stream.
        for id in streams.keys.sorted() { closeStream(id, reason: "fenced", notifySession: false) }
    }

    func membershipChanged(_ notice: MembershipNotice) {}

    /// The session node to call, if registered (from the manager's config and notices).
    var sessionNode: NodeName? { link.config.sessionNode?.name }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            let source = envelope.source
            if handleManagement(envelope.payload, from: source) { return }
            switch envelope.payload {
            case .request(let request):
                serve(request, route: .direct(source), client: source)
            case .backend(let group, let call):
                guard admits(group, call, from: source) else { return }
                handleBackend(call, from: source)
            default:
                unexpected(envelope.payload, from: source)
            }
        case .streamOpened(let id, let peer):
            streams[id] = .opened(peer: peer)
            newestConnection = max(newestConnection, id.rawValue)
        case .streamMessage(let id, let peer, let message):
            streamFrame(id, peer: peer, message)
        case .streamClosed(let id, _, let reason):
            closeStream(id, reason: reason.rawValue, notifySession: true, alreadyClosed: true)
        }
    }

    private func streamFrame(_ id: StreamID, peer: NodeName, _ message: ClusterMessage) {
        guard let slot = streams[id] else { return }
        switch (slot, message) {
        case (.opened, .pushOpen(let token)):
            openPush(id, peer: peer, token: token)
        case (.opened, .request(let request)):
            streams[id] = .gateway(peer: peer)
            serve(request, route: .stream(id), client: request.origin ?? peer)
        case (.gateway, .request(let request)):
            serve(request, route: .stream(id), client: request.origin ?? peer)
        case (.push(let user, _, _), .pushAck(let upTo, let generation)):
            forwardAck(user: user, upTo: upTo, generation: generation)
        default:
            unexpected(message, from: peer)
        }
    }

    /// Sends a reply along its route.
    func reply(_ reply: ClientReply, _ route: ReplyRoute) {
        switch route {
        case .direct(let client): env.send(.reply(reply), to: client)
        case .stream(let id): env.send(.reply(reply), on: id)
        }
    }
}
