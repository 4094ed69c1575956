import Glibc
import NetModel
import Nodes
import Synchronization

/// The nodes of one `simctl node` process on real TCP: one server node (listening on its
/// `--listen` address), or a group of simulated clients. Peers are found by address: the
/// management node's is given; the others are learnt from the manager's configuration
/// (`registerAccepted` and every `pong` carry each registered node's advertised address) or
/// given up front (`peers`, e.g. the gateway and frontends for a client process).
package final class RealNodeProcess: @unchecked Sendable {
    /// The TCP fabric of the process.
    package let fabric: TCPFabric
    /// The runtime (threads, timers, trace).
    package let runtime: RealRuntime
    private let settings: ClusterSettings
    private var hosts: [RealNode] = []

    /// Prepares a process.
    /// - Parameters:
    ///   - host: the host servers listen on.
    ///   - management: where the management node listens.
    ///   - peers: other known addresses.
    ///   - seed: the seed of the nodes' random streams.
    ///   - settings: the cluster's settings (timing, group id).
    ///   - secret: the cluster secret: its token secret replaces `settings.tokenSecret`, its node
    ///     key authenticates the process's nodes to the others (default: the built-in one, tests only).
    ///   - tap: sees every trace event (printing, tests).
    ///   - log: gets a line for each connection refused or closed for a reason worth knowing
    ///     (failed authentication, a forged frame, a refused message).
    package init(host: String, management: SocketAddress?, peers: [NodeName: SocketAddress] = [:], seed: UInt64,
                settings: ClusterSettings, secret: ClusterSecret = .insecureDefault, executorCount: Int = 2,
                tap: (@Sendable (TraceEvent) -> Void)? = nil, log: (@Sendable (String) -> Void)? = nil) throws {
        var options = TCPOptions()
        options.log = log
        // A node's handler only queues the payload on its executor: the reactor decodes it itself
        // rather than handing each frame to a worker thread first.
        options.workers = 0
        fabric = try TCPFabric(host: host, options: options, secret: secret, groupID: settings.groupID)
        // Nobody reads a node process's trace (its hash would be 13% of a session node's CPU): only
        // the tap (`simctl node --events`) sees its events.
        runtime = RealRuntime(seed: seed, executorCount: executorCount, trace: .nothing, tap: tap)
        var settings = settings
        settings.tokenSecret = secret.tokenSecret
        self.settings = settings
        if let management { fabric.network.directory.set(management, for: .management) }
        for (name, address) in peers { fabric.network.directory.set(address, for: name) }
    }

    /// Starts the server node `name` listening on `listen` (port 0: a free port).
    /// - Returns: the address it listens on.
    package func startServer(_ name: NodeName, listen: SocketAddress) throws -> SocketAddress {
        precondition(name.role != .client, "clients do not listen; use startClients")
        fabric.setPort(listen.port, for: name)
        // The node registers with its bound address, so the manager hands it to the others.
        let host = RealNode(name, plan: nil, settings: settings, incarnation: 1, runtime: runtime)
        try host.attach(to: fabric, listens: true, observe: learner(for: name))
        hosts.append(host)
        return try SocketAddress(parsing: host.env.advertisedAddress)
    }

    /// Starts simulated clients with their plans, one after another `spacing` apart.
    package func startClients(_ clients: [(NodeName, ClientPlan)], spacing: Duration = .milliseconds(20)) throws {
        for (name, plan) in clients {
            let host = RealNode(name, plan: plan, settings: settings, incarnation: 1, runtime: runtime)
            try host.attach(to: fabric, listens: false, observe: learner(for: name))
            hosts.append(host)
            if spacing > .zero { usleepDuration(spacing) }
        }
    }

    /// A clean stop: every node shuts down (a server unregisters at once), then every socket and
    /// thread of the process is closed and joined.
    package func stop() {
        for host in hosts { host.shutDownNode() }
        // Give the unregister frames a moment to leave before the sockets close.
        usleepDuration(.milliseconds(100))
        for host in hosts { host.crash() }
        hosts = []
        fabric.shutdown()
        runtime.shutdown()
    }

    /// Learns peers' addresses from what the manager says (and, at the manager, from registrations).
    private func learner(for me: NodeName) -> @Sendable (Inbound<ClusterMessage>) -> Void {
        Self.addressLearner(for: me, directory: fabric.network.directory)
    }

    /// What `me` learns from the manager's messages: the session, chat and frontend addresses of
    /// its configuration (and, at the manager, each registering node's address), entered in
    /// `directory`.
    static func addressLearner(for me: NodeName, directory: TCPDirectory) -> @Sendable (Inbound<ClusterMessage>) -> Void {
        return { inbound in
            guard case .message(let e) = inbound else { return }
            func learn(_ peer: NodeConfig.Peer?) {
                guard let peer, peer.name != me, let address = try? SocketAddress(parsing: peer.address) else { return }
                if directory.address(of: peer.name) != address { directory.set(address, for: peer.name) }
            }
            switch e.payload {
            case .registerAccepted(_, let config), .pong(true, let config?):
                guard e.source.role == .management else { return }
                learn(config.sessionNode)
                learn(config.chatNode)
                for f in config.frontends { learn(f) }
            case .register(let address, _, _):
                learn(NodeConfig.Peer(name: e.source, address: address))
            default:
                break
            }
        }
    }
}

/// Sleeps the calling thread (real-time code only).
func usleepDuration(_ d: Duration) {
    var left = d.nanosecondsClamped
    while left > 0 {
        let step = min(left, 500_000_000)
        var ts = timespec(tv_sec: Int(step / 1_000_000_000), tv_nsec: Int(step % 1_000_000_000))
        nanosleep(&ts, nil)
        left -= step
    }
}
