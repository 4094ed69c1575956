import NetModel

/// A server node that registers with the management node and pings it (every role but the
/// manager). The protocol extension is the shell of `ManagementLink`.
protocol ManagedServer: ClusterNode {
    var link: ManagementLink { get set }
    /// Registration accepted (first time, or again after a manager restart).
    func becameServing(_ config: NodeConfig)
    /// Fenced by the manager: stop serving for good.
    func stopServing()
    /// A membership notice arrived (after the link applied it).
    func membershipChanged(_ notice: MembershipNotice)
}

extension ManagedServer {
    /// Starts registration and the ping loop.
    func startManagement() {
        managementTick()
    }

    private func managementTick() {
        perform(link.tick())
        env.scheduleTimer(after: env.settings.pingInterval, on: self) { node in node.managementTick() }
    }

    /// Handles management traffic.
    /// - Returns: true when `message` was management traffic.
    func handleManagement(_ message: ClusterMessage, from source: NodeName) -> Bool {
        switch message {
        case .registerAccepted, .registerRejected, .pong, .stop, .notice:
            guard source.role == .management else {
                unexpected(message, from: source)
                return true
            }
            if case .registerRejected(let reason) = message {
                env.log(NodeLog.registerRejected, ["reason": .text(reason)])
            }
            perform(link.handle(message))
            return true
        default:
            return false
        }
    }

    /// Runs `body` with the backend call `message` carries, when it is one with the cluster's
    /// group id: anything else is logged as unexpected, a wrong group id as rejected (`admits`).
    /// The call is read where it is in the message's box (returning it copied the whole call out
    /// and destroyed it afterwards).
    func withAdmittedBackendCall(_ message: ClusterMessage, from source: NodeName, _ body: (BackendCall) -> Void) {
        guard case .backend(let group, let call) = message else {
            unexpected(message, from: source)
            return
        }
        if admits(group, call, from: source) { body(call) }
    }

    /// A clean shutdown: unregister at once (the seed never did); the link is `.leaving` until
    /// the manager's answer to its next ping shows the node removed.
    func unregisterNow() {
        if let message = link.leave() { env.send(message, to: .management) }
    }

    private func perform(_ action: ManagementLink.Action) {
        switch action {
        case .send(let message):
            env.send(message, to: .management)
        case .becameServing(let config):
            env.log(NodeLog.registered, ["epoch": .number(UInt64(link.epoch ?? 0))])
            becameServing(config)
        case .stopServing:
            env.log(NodeLog.fenced, "")
            stopServing()
            env.exitForRestart()
        case .membershipChanged(let notice):
            membershipChanged(notice)
        case .none:
            break
        }
    }
}
