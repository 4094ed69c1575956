import NetModel

/// The server management service (seed 000's 관리서버): registers itself first, then every node;
/// removes a node silent for `pingTimeout`, tells everyone, and fences the removed node.
///
/// The actor is a thin shell: the logic is `ManagementCore`, a value. Each event goes into the
/// core with the clock reading; the shell carries out the actions that come back, in order. The
/// core keeps one timer armed at the next ping deadline (no periodic tick).
package actor ManagementNode: ClusterNode {
    package nonisolated let env: any NodeEnvironment
    /// The registry, the ping deadline and pause forgiveness (the logic).
    private var core: ManagementCore
    /// The core's armed timers.
    private var timers = ArmedTimers<ManagementCore.Timer>()

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A manager for the cluster of `env.settings`.
    package init(env: any NodeEnvironment) {
        self.env = env
        core = makeManagementCore(manager: env.name, address: env.advertisedAddress, version: env.settings.version,
                                  pingInterval: env.settings.pingInterval, pingTimeout: env.settings.pingTimeout)
    }

    /// The registered nodes, sorted (for checkers).
    package var registeredNodes: [NodeName] { core.registeredNodes }

    /// The manager always serves while it runs.
    package var isServing: Bool { core.started }

    package func start() { perform(core.start(now: env.now)) }

    package func shutdown() {}

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        guard case .message(let envelope) = inbound else { return }
        perform(core.receive(envelope.payload, from: envelope.source, now: env.now))
    }

    private func fired(_ timer: ManagementCore.Timer, token: UInt64) {
        guard timers.fired(timer, token: token) else { return }
        perform(core.fire(timer, now: env.now))
    }

    /// Carries out the core's actions, in order.
    private func perform(_ actions: [ManagementCore.Action]) {
        for action in actions {
            switch action {
            case .send(let message, let destination):
                env.send(message, to: destination)
            case .log(let label, let detail):
                env.log(label, detail)
            case .unexpected(let message, let source):
                unexpected(message, from: source)
            case .schedule(let timer, let delay):
                timers.arm(timer, env: env) { token in env.scheduleTimer(after: delay, on: self) { $0.fired(timer, token: token) } }
            case .cancel(let timer):
                timers.cancel(timer, env: env)
            }
        }
    }
}
