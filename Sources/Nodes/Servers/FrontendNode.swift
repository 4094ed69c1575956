import NetModel

/// A frontend (seed 000's frontend service): the Init service (State, Login → JWT), the Push
/// service (one always-open stream per client, token renewed with this node as its push
/// frontend), the stateless request services any frontend serves, and the backend host that
/// receives pushes for its connected users.
///
/// The actor is a thin shell: the logic is `FrontendCore`, a value. Each event goes into the core
/// with what the management link knows and the clock reading; the shell carries out the actions
/// that come back, in order (sends, stream closes, timers, trace records). Service handlers stay
/// async and run here, on the node's executor (`FrontendNode+Services.swift`): the shell starts
/// them when the core says so, and keeps each one waiting on a forwarded call under the call's key
/// until the core hands it the answer.
package actor FrontendNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    /// Streams, the token cache, requests, forwarded calls, pushes and re-syncs (the logic).
    @exclusivity(unchecked) var core: FrontendCore
    /// Handlers waiting for the answer to a forwarded call, by the call's key (request and step).
    @exclusivity(unchecked) var waiters: [RequestKey: Waiter] = [:]

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A frontend serving `services`.
    package init(env: any NodeEnvironment, services: ServiceRegistry = .standard) {
        self.env = env
        link = ManagementLink(env: env)
        core = makeFrontendCore(name: env.name, incarnation: env.incarnationID, settings: env.settings, services: services)
    }

    /// The accepted push streams here, sorted by user: (user, connection id).
    package var openPushStreams: [(user: String, connection: UInt64)] { core.openPushStreams }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    /// How often a frontend re-sends its live streams to the session node (`FrontendCore.resyncPeriod`).
    package static var resyncPeriod: Duration { FrontendCore.resyncPeriod }

    /// What the management link knows now, for the core.
    var view: FrontendCore.Link { FrontendCore.Link(link) }

    package func start() {
        startManagement()
        perform(core.start())
    }

    package func shutdown() {
        perform(core.shutdown(link: view))
        unregisterNow()
    }

    func becameServing(_ config: NodeConfig) { perform(core.becameServing(link: view)) }
    func stopServing() { perform(core.stopServing(link: view)) }
    func membershipChanged(_ notice: MembershipNotice) {}

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            let source = envelope.source
            if handleManagement(envelope.payload, from: source) { return }
            switch envelope.payload {
            case .request(let request):
                perform(core.request(request, from: source, link: view, seconds: nowSeconds))
            case .backend(let group, let call):
                guard admits(group, call, from: source) else { return }
                perform(core.backendCall(call, from: source, link: view))
            default:
                unexpected(envelope.payload, from: source)
            }
        case .streamOpened(let id, let peer):
            core.streamOpened(id, peer: peer)
        case .streamMessage(let id, let peer, let message):
            perform(core.streamFrame(id, peer: peer, message, link: view, now: env.now.nanoseconds, seconds: nowSeconds))
        case .streamClosed(let id, _, let reason):
            perform(core.streamClosed(id, reason: reason.rawValue, link: view))
        }
    }

    private func fire(_ timer: FrontendCore.Timer) {
        perform(core.fire(timer, link: view, now: env.now.nanoseconds))
    }

    /// Carries out the core's actions, in order, then gives the list back to the core for reuse.
    func perform(_ actions: consuming [FrontendCore.Action]) {
        // By index: the actions are read in place and the list goes back to the core with its
        // storage (`ActionList.recycle` empties it). Reversing the list to pop each action off its
        // end cost ~400 instructions a list (the actions are ~150-byte enums, moved three times
        // a swap).
        let list = consume actions
        for index in list.indices {
            switch list[index] {
            case .send(let message, let node):
                env.send(message, to: node)
            case .sendOnStream(let message, let id):
                env.send(message, on: id)
            case .reply(let reply, .direct(let client)):
                env.send(.reply(reply), to: client)
            case .reply(let reply, .stream(let id)):
                env.send(.reply(reply), on: id)
            case .closeStream(let id):
                env.transport.closeStream(id)
            case .runHandler(let start):
                runHandler(start)
            case .resume(let key, let result):
                resume(key, with: result)
            case .schedule(let timer, let delay):
                env.scheduleTimer(after: delay, on: self) { $0.fire(timer) }
            case .log(let label, let detail):
                env.log(label, detail)
            case .unexpected(let message, let source):
                unexpected(message, from: source)
            }
        }
        core.recycle(list)
    }
}
