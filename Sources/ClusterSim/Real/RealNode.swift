import NetModel
import Nodes

/// One node incarnation hosted by the real runtime: its actor, environment, mailbox and network
/// attachment. Inbound traffic from the fabric's threads is queued in the mailbox in arrival order
/// and handled on the node's executor, one item at a time, to completion.
final class RealNode: @unchecked Sendable {
    let env: RealNodeEnvironment
    private let plan: ClientPlan?
    /// The services a frontend or the session node serves.
    private let services: ServiceRegistry
    /// Makes the actor instead of `ClusterBlueprint.makeNode` (a chat door with its server's sink).
    private let make: (@Sendable (RealNodeEnvironment) -> any ClusterNode)?
    /// The node's actor, made once the node is attached (it registers with its listen address).
    private(set) var node: (any ClusterNode)!
    private(set) var attachment: RealAttachment?

    /// Makes the node's environment (the actor comes with `attach`).
    init(_ name: NodeName, plan: ClientPlan?, settings: ClusterSettings, incarnation: Int, runtime: RealRuntime,
         services: ServiceRegistry = .standard, make: (@Sendable (RealNodeEnvironment) -> any ClusterNode)? = nil) {
        self.services = services
        let mailbox = NodeMailbox(executor: runtime.assignExecutor())
        env = RealNodeEnvironment(name: name, settings: settings, incarnation: incarnation, runtime: runtime,
                                  mailbox: mailbox)
        self.plan = plan
        self.make = make
    }

    var name: NodeName { env.name }

    /// Attaches the node to `fabric` (a server listens), makes its actor — which registers with
    /// the listen address — and starts it on its executor before any inbound traffic.
    /// - Parameter observe: sees every inbound item first, on the fabric's thread (address learning).
    func attach(to fabric: any RealFabric, listens: Bool,
                observe: (@Sendable (Inbound<ClusterMessage>) -> Void)? = nil) throws {
        env.mailbox.hold()
        env.runtime.register(env.mailbox, for: name)
        let attachment = try fabric.attach(name, listens: listens) { [self] inbound in
            observe?(inbound)
            hop(inbound)
        }
        self.attachment = attachment
        if let address = attachment.address { env.setAdvertisedAddress(address) }
        env.setTransport(TracedTransport(attachment.transport, runtime: env.runtime,
                                         gatedClient: name.role == .client && (fabric as? TCPFabric)?.secret != nil))
        let node = make?(env) ?? ClusterBlueprint.makeNode(name, env: env, plan: plan, services: services)
        self.node = node
        start(node)
        env.mailbox.release()
    }

    private func start<N: ClusterNode>(_ node: N) {
        env.mailbox.postFirst { node.assumeIsolated { $0.start() } }
    }

    /// Queues one inbound item; it is recorded and handled on the node's executor.
    private func hop(_ inbound: Inbound<ClusterMessage>) {
        let env = self.env
        let sender: NodeName = switch inbound {
        case .message(let e): e.source
        case .streamOpened(_, let peer), .streamMessage(_, let peer, _), .streamClosed(_, let peer, _): peer
        }
        let trace = env.runtime.trace
        let lost: (@Sendable () -> Void)? = switch inbound {
        case .message(let e):
            { trace.record(.drop, node: env.name, peer: e.source, messageID: e.id, label: e.payload.traceLabel, detail: "crashed") }
        case .streamMessage(let id, let peer, let payload):
            { trace.record(.drop, node: env.name, peer: peer, messageID: id.rawValue, label: payload.traceLabel, detail: "crashed") }
        default: nil
        }
        env.mailbox.post(after: env.runtime.mailbox(of: sender), lost: lost) { [self] in
            guard env.isLive else { return }
            let trace = env.runtime.trace
            switch inbound {
            case .message(let e):
                trace.record(.deliver, node: env.name, peer: e.source, messageID: e.id, label: e.payload.traceLabel, detail: "")
            case .streamOpened(let id, let peer):
                trace.record(.deliver, node: env.name, peer: peer, messageID: id.rawValue, label: "stream-open", detail: "")
            case .streamMessage(let id, let peer, let payload):
                trace.record(.deliver, node: env.name, peer: peer, messageID: id.rawValue, label: payload.traceLabel, detail: "")
            case .streamClosed(let id, let peer, let reason):
                trace.record(.streamClose, node: env.name, peer: peer, messageID: id.rawValue, label: "close",
                             detail: reason.rawValue)
            }
            let target: any ClusterNode = node
            Self.receive(target, inbound)
        }
    }

    private static func receive<N: ClusterNode>(_ node: N, _ inbound: Inbound<ClusterMessage>) {
        node.assumeIsolated { $0.receive(inbound) }
    }

    /// A crash: the incarnation stops at once (what is queued and its timers are dropped; the item
    /// running now, if any, ends first) and its sockets close. `announce` runs once nothing of
    /// the node runs any more, before the lost messages are recorded.
    func crash(announce: () -> Void = {}) {
        env.runtime.unregister(env.mailbox, for: name)
        env.kill()
        let lost = env.mailbox.close()
        announce()
        for record in lost { record() }
        attachment?.detach()
    }

    /// The first half of a clean stop: the node unregisters and closes its streams (its sockets
    /// stay open so that goes out; `crash()` closes them).
    func shutDownNode() {
        if let node = self.node { env.mailbox.executor.sync { Self.shutdown(node) } }
    }

    private static func shutdown<N: ClusterNode>(_ node: N) { node.assumeIsolated { $0.shutdown() } }

    /// Holds the node's inbound queue and timers (a pause).
    func pause() { env.mailbox.hold() }

    /// Releases them, in order.
    func resume() { env.mailbox.release() }

}
