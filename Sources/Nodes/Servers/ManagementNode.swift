import NetModel

/// The server management service (seed 000's 관리서버): registers itself first, then every node;
/// removes a node silent for `pingTimeout`, tells everyone, and fences the removed node.
package actor ManagementNode: ClusterNode {
    package nonisolated let env: any NodeEnvironment
    private var registry: Registry
    private var started = false
    /// When the manager last ran anything (its tick runs every pingInterval/4 while it is awake).
    private var lastAwake: VirtualInstant = .zero

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A manager for the cluster of `env.settings`.
    package init(env: any NodeEnvironment) {
        self.env = env
        registry = Registry(expectedVersion: env.settings.version, pingTimeout: env.settings.pingTimeout,
                            manager: env.name)
    }

    /// The registered nodes, sorted (for checkers).
    package var registeredNodes: [NodeName] { registry.liveNodes }

    /// The manager always serves while it runs.
    package var isServing: Bool { started }

    package func start() {
        guard !started else { return }
        started = true
        if case .accepted(let epoch, _, _) = registry.registerSelf(address: env.advertisedAddress, now: env.now) {
            env.log(NodeLog.registered, ["epoch": .number(UInt64(epoch))])
        }
        lastAwake = env.now
        scheduleTick()
    }

    package func shutdown() {}

    /// Called first on every event: if the manager has not run for much longer than its tick
    /// (it was paused), forgive the nodes that silence before judging any ping.
    private func wake() {
        let now = env.now
        let gap = lastAwake.duration(to: now)
        if gap > env.settings.pingInterval {
            registry.forgive(gap)
            env.log(NodeLog.managerWoke, ["asleep-ms": .text(String(gap.milliseconds))])
        }
        lastAwake = now
    }

    private func scheduleTick() {
        env.scheduleTimer(after: env.settings.pingInterval / 4, on: self) { node in
            node.wake()
            node.apply(node.registry.tick(now: node.env.now))
            node.scheduleTick()
        }
    }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        guard case .message(let envelope) = inbound else { return }
        wake()
        let source = envelope.source
        switch envelope.payload {
        case .register(let address, let version):
            switch registry.register(name: source, address: address, version: version, now: env.now) {
            case .accepted(let epoch, let config, let effects):
                env.log(NodeLog.nodeJoined, ["name": .name(source), "epoch": .number(UInt64(epoch))])
                env.send(.registerAccepted(epoch: epoch, config: config), to: source)
                apply(effects)
            case .rejected(let why):
                env.send(.registerRejected(reason: why.description), to: source)
            }
        case .ping(let epoch):
            let reply = registry.ping(name: source, epoch: epoch, now: env.now)
            let known = reply == .ok
            env.send(.pong(known: known, config: known ? registry.currentConfig : nil), to: source)
        case .unregister(let epoch):
            apply(registry.unregister(name: source, epoch: epoch, now: env.now))
        default:
            unexpected(envelope.payload, from: source)
        }
    }

    private func apply(_ effects: [RegistryEffect]) {
        for effect in effects {
            switch effect {
            case .removed(let name, let epoch, let reason, _, let lastHeard):
                env.log(NodeLog.nodeRemoved, ["name": .name(name), "epoch": .number(UInt64(epoch)), "reason": .text(reason.rawValue),
                                                             "last-heard-ns": .signed(Int64(lastHeard.nanoseconds))])
            case .notifyAll(let recipients, let notice):
                for r in recipients { env.send(.notice(notice), to: r) }
            case .fence(let name, _, let epoch):
                env.send(.stop(epoch: epoch), to: name)
            }
        }
    }
}
