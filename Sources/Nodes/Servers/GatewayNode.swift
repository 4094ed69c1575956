import NetModel

/// The gateway (seed 001): clients send requests here; each is routed round-robin to a live
/// frontend over one reused, multiplexed stream per frontend, and the reply is routed back.
/// Frontends that management removed, or whose stream broke, get no more requests until they
/// (re)join.
public actor GatewayNode: ManagedServer {
    public nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    /// One multiplexed connection per frontend, opened once and reused.
    @exclusivity(unchecked) private var connections = EndpointTable<StreamID>()
    @exclusivity(unchecked) private var frontendOf: [StreamID: NodeName] = [:]
    /// Requests in flight, by their end-to-end key: the stream they went on. A copy of one in
    /// flight is not routed again (the answer is on its way).
    @exclusivity(unchecked) private var inFlight: [RequestKey: StreamID] = [:]
    /// The last answers per client: a late copy of an answered request gets the same answer and
    /// is never routed to a second frontend. Retryable refusals are not kept (a retry may succeed).
    @exclusivity(unchecked) private var answered = RequestWindow<ClientResult>(capacity: 16)
    @exclusivity(unchecked) private var cursor = 0
    /// Frontends whose connection broke: skipped until this instant (ns) or until they rejoin.
    @exclusivity(unchecked) private var suspended: [NodeName: Int64] = [:]

    public nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A gateway.
    public init(env: any NodeEnvironment) {
        self.env = env
        link = ManagementLink(address: env.advertisedAddress, version: env.settings.version)
    }

    /// The frontends the gateway routes to now, sorted.
    public var routingTable: [NodeName] {
        let now = env.now.nanoseconds
        return link.config.frontends.map(\.name).filter { (suspended[$0] ?? 0) <= now }
    }

    /// The next frontend of the round-robin over `routingTable`, without building the table.
    /// - Returns: the frontend, or nil when none is live.
    private func nextFrontend() -> NodeName? {
        let frontends = link.config.frontends
        let now = env.now.nanoseconds
        // A suspension that has run out counts as none; forgetting them keeps the common path cheap.
        if !suspended.isEmpty, suspended.values.allSatisfy({ $0 <= now }) { suspended.removeAll() }
        if suspended.isEmpty {
            guard !frontends.isEmpty else { return nil }
            defer { cursor += 1 }
            return frontends[cursor % frontends.count].name
        }
        let live = frontends.reduce(0) { $0 + ((suspended[$1.name] ?? 0) <= now ? 1 : 0) }
        guard live > 0 else { return nil }
        var k = cursor % live
        cursor += 1
        for f in frontends where (suspended[f.name] ?? 0) <= now {
            if k == 0 { return f.name }
            k -= 1
        }
        return nil
    }

    /// Whether the node serves (registered, not fenced).
    public var isServing: Bool { link.isServing }

    public func start() { startManagement() }
    public func shutdown() { unregisterNow() }
    func becameServing(_ config: NodeConfig) {}
    func stopServing() {
        for id in frontendOf.keys.sorted() { env.transport.closeStream(id) }
        connections = EndpointTable()
        frontendOf.removeAll()
    }
    func membershipChanged(_ notice: MembershipNotice) {
        if case .joined(let name, _) = notice { suspended[name] = nil }
        if case .rejoined(let name, _, _) = notice { suspended[name] = nil }
        if case .left(let name, _) = notice, let id = connections[name] {
            connections[name] = nil
            frontendOf[id] = nil
            env.transport.closeStream(id)
            failInFlight(on: id)
        }
    }

    public func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            if handleManagement(envelope.payload, from: envelope.source) { return }
            guard case .request(var request) = envelope.payload else {
                return unexpected(envelope.payload, from: envelope.source)
            }
            // The origin is who sent it here, whatever the request says.
            let client = envelope.source
            let key = RequestKey(origin: client, id: request.requestID)
            if let first = answered.answer(for: key) {
                env.send(.reply(ClientReply(requestID: key.id, result: first, origin: client)), to: client)
                return
            }
            guard inFlight[key] == nil else { return }
            guard link.isServing, let frontend = nextFrontend() else {
                env.send(.reply(ClientReply(requestID: key.id, result: .refused(.noFrontend), origin: client)), to: client)
                return
            }
            let stream = connection(to: frontend)
            inFlight[key] = stream
            request.origin = client
            env.send(.request(request), on: stream)
        case .streamMessage(_, _, .reply(let reply)):
            guard let key = reply.key, inFlight.removeValue(forKey: key) != nil else { return }
            if !(reply.result.refusal?.isRetryable ?? false), case .execute = answered.begin(key) {
                answered.finish(key, answer: reply.result)
            }
            env.send(.reply(reply), to: key.origin)
        case .streamMessage(_, let peer, let other):
            unexpected(other, from: peer)
        case .streamClosed(let id, _, _):
            if let frontend = frontendOf.removeValue(forKey: id), connections[frontend] == id {
                connections[frontend] = nil
                // Broken (crashed, refused, cut off): stop routing there for a while; the manager's
                // notices decide for good.
                suspended[frontend] = env.now.nanoseconds + 2_000_000_000
            }
            failInFlight(on: id)
        case .streamOpened(let id, _):
            env.transport.closeStream(id)
        }
    }

    private func connection(to frontend: NodeName) -> StreamID {
        if let id = connections[frontend] { return id }
        let id = env.transport.openStream(to: frontend)
        connections[frontend] = id
        frontendOf[id] = frontend
        return id
    }

    private func failInFlight(on id: StreamID) {
        let broken = inFlight.filter { $0.value == id }.keys.sorted()
        for key in broken {
            inFlight[key] = nil
            env.send(.reply(ClientReply(requestID: key.id, result: .refused(.frontendUnavailable), origin: key.origin)),
                     to: key.origin)
        }
    }
}
