import NetModel

/// The session service (seed 000's 세션서버): which frontend holds each user's push stream, and
/// the push outbox: every push accepted for a user gets a per-user sequence number and stays until
/// the user acknowledges it (or the retention window ends), so it survives reconnects and failovers.
///
/// The actor is a thin shell: the logic is `SessionCore`, a value. The shell keeps the management
/// link (`ManagedServer`), checks each backend call's group id, hands the calls, link events and
/// timers to the core with the clock reading, and carries out the actions that come back, in
/// order. The core arms its timers at the instant their work falls due (no periodic tick).
package actor SessionNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    /// The session map, the outbox, exactly-once execution, held calls, kicks and re-syncs (the logic).
    @exclusivity(unchecked) private var core: SessionCore
    /// The core's armed timers.
    @exclusivity(unchecked) private var timers = ArmedTimers<SessionCore.Timer>()

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A session node hosting the backend services of `services`. `forgetConnectionOnLogout` plants the seed's stale-cleanup bug (tests only).
    package init(env: any NodeEnvironment, services: ServiceRegistry = .standard, forgetConnectionOnLogout: Bool = false) {
        self.env = env
        link = ManagementLink(env: env)
        core = makeSessionCore(generation: env.incarnationID, group: env.groupID, retention: env.settings.pushRetention, services: services,
                               forgetConnectionOnLogout: forgetConnectionOnLogout)
        core.recordsEvents = env.recordsNodeEvents
    }

    /// The session map, sorted by user (for checkers).
    package var entries: [UserSession] { core.entries }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    package func start() { startManagement() }

    package func shutdown() { unregisterNow() }

    func becameServing(_ config: NodeConfig) { perform(core.becameServing(config, now: env.now)) }

    func stopServing() {}

    func membershipChanged(_ notice: MembershipNotice) { perform(core.membershipChanged(notice, now: env.now)) }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        switch inbound {
        case .message(let envelope):
            if handleManagement(envelope.payload, from: envelope.source) { return }
            backendCall(envelope.payload, from: envelope.source)
        case .streamMessage(_, let peer, let message):
            // Backend calls on a stream (the chat node's): ordered and reliable.
            backendCall(message, from: peer)
        case .streamOpened, .streamClosed:
            return
        }
    }

    /// Hands a backend call to the core (its group id checked).
    private func backendCall(_ message: ClusterMessage, from source: NodeName) {
        switch message {
        case .backend(let group, let call):
            guard admits(group, call, from: source) else { return }
            let state: SessionCore.Link = link.isServing ? .serving : link.mayServeAgain ? .registering : .stopped
            perform(core.call(call, from: source, link: state, now: env.now))
        default:
            unexpected(message, from: source)
        }
    }

    private func fired(_ timer: SessionCore.Timer, token: UInt64) {
        guard timers.fired(timer, token: token) else { return }
        perform(core.fire(timer, now: env.now))
    }

    /// Carries out the core's actions, in order, then gives the list back to the core for reuse.
    private func perform(_ actions: consuming [SessionCore.Action]) {
        // By index, so the list is never copied and goes back to the core unshared. A message to
        // send is built by the core: taking it out of the action costs one retain of its box.
        for i in actions.indices {
            switch actions[i] {
            case .send(let message, let destination):
                env.send(message, to: destination)
            case .log(let label, let detail):
                env.log(label, detail)
            case .unexpected(let call, let source):
                unexpected(.backend(group: env.groupID, call), from: source)
            case .schedule(let timer, let delay):
                timers.arm(timer, env: env) { token in env.scheduleTimer(after: delay, on: self) { $0.fired(timer, token: token) } }
            case .cancel(let timer):
                timers.cancel(timer, env: env)
            }
        }
        core.recycle(actions)
    }
}
