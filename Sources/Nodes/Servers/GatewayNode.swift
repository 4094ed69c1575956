import NetModel

/// The gateway (seed 001): clients send requests here; each is routed round-robin to a live
/// frontend over one reused, multiplexed stream per frontend, and the reply is routed back.
/// Frontends that management removed, or whose stream broke, get no more requests until they
/// (re)join.
package actor GatewayNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    /// Routing, in-flight requests, remembered answers and suspensions (the logic).
    @exclusivity(unchecked) private var core = GatewayCore()

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A gateway.
    package init(env: any NodeEnvironment) {
        self.env = env
        link = ManagementLink(env: env)
    }

    /// The frontends the gateway routes to now, sorted.
    package var routingTable: [NodeName] { core.routingTable(link.config.frontends, now: env.now.nanoseconds) }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    package func start() { startManagement() }
    package func shutdown() { unregisterNow() }
    func becameServing(_ config: NodeConfig) {}
    func stopServing() { perform(core.stopServing()) }
    func membershipChanged(_ notice: MembershipNotice) { perform(core.membershipChanged(notice, now: env.now.nanoseconds)) }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            if handleManagement(envelope.payload, from: envelope.source) { return }
            guard case .request(let request) = envelope.payload else {
                return unexpected(envelope.payload, from: envelope.source)
            }
            perform(core.request(request, from: envelope.source, serving: link.isServing, frontends: link.config.frontends,
                                 now: env.now.nanoseconds) { env.transport.openStream(to: $0) })
        case .streamMessage(_, _, .reply(let reply)):
            perform(core.reply(reply))
        case .streamMessage(_, let peer, let other):
            unexpected(other, from: peer)
        case .streamClosed(let id, _, _):
            perform(core.streamClosed(id, now: env.now.nanoseconds))
        case .streamOpened(let id, _):
            env.transport.closeStream(id)
        }
    }

    private func perform(_ actions: consuming [GatewayCore.Action]) {
        // By index, so the list is never copied and goes back to the core unshared.
        for i in actions.indices {
            switch actions[i] {
            case .reply(let reply, let client): env.send(.reply(reply), to: client)
            case .forward(let request, let stream): env.send(.request(request), on: stream)
            case .close(let id): env.transport.closeStream(id)
            }
        }
        core.recycle(actions)
    }
}
