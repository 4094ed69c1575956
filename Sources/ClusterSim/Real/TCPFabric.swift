import NetModel
import Nodes
import Synchronization

/// The real runtime's fabric over real TCP: every node of the process attached to one
/// `TCPNetwork` (one reactor thread, a small worker pool), servers listening on `host` (port 0:
/// a free port each, entered in the network's directory), clients connecting out. Partitions
/// become the network's `block(from:to:)`.
package final class TCPFabric: RealFabric, Sendable {
    /// The TCP network the nodes share.
    package let network: TCPNetwork<ClusterMessage>
    /// The host servers listen on.
    package let host: String
    private let blocked = Mutex<Set<Link>>([])
    private let fixedPorts = Mutex<[NodeName: UInt16]>([:])

    /// The cluster secret its nodes authenticate with (nil on a network made elsewhere).
    package let secret: ClusterSecret?

    /// A fabric on a fresh, authenticated TCP network: node connections prove `secret`'s node
    /// key and MAC every frame, group ids stay off the wire, clients may only send client traffic.
    /// - Parameters:
    ///   - host: where servers listen (default loopback).
    ///   - options: the TCP network's options (its `authentication` is replaced).
    ///   - secret: the cluster secret (default: a fresh one, for a cluster all in this process).
    ///   - groupID: the cluster's group id, given to backend calls from authenticated nodes.
    package init(host: String = "127.0.0.1", options: TCPOptions = TCPOptions(),
                secret: ClusterSecret = .generate(), groupID: String = ClusterSettings().groupID) throws {
        var options = options
        options.authentication = secret.authentication
        network = try TCPNetwork(options: options, gate: ClusterMessageGate.gate(groupID: groupID))
        self.host = host
        self.secret = secret
    }

    /// A fabric on an existing TCP network.
    package init(network: TCPNetwork<ClusterMessage>, host: String) {
        self.network = network
        self.host = host
        self.secret = nil
    }

    /// Makes `name` listen on `port` instead of a free one (a `simctl node --listen`).
    package func setPort(_ port: UInt16, for name: NodeName) { fixedPorts.withLock { $0[name] = port } }

    /// Attaches `name` to the TCP network: a server listens on `host` (its fixed port, or a free one).
    package func attach(_ name: NodeName, listens: Bool,
                       handler: @escaping @Sendable (Inbound<ClusterMessage>) -> Void) throws -> RealAttachment {
        let port = fixedPorts.withLock { $0[name] } ?? 0
        let listen = listens ? SocketAddress(host: host, port: port) : nil
        let transport = try network.attach(local: name, listen: listen, handler: handler)
        return RealAttachment(transport: transport, address: transport.listenAddress?.description) {
            transport.detach()
        }
    }

    /// Blocks the newly cut links on the TCP network and unblocks the healed ones.
    package func setCutLinks(_ links: Set<Link>) {
        let (added, removed) = blocked.withLock { current -> ([Link], [Link]) in
            let added = links.subtracting(current).sorted(), removed = current.subtracting(links).sorted()
            current = links
            return (added, removed)
        }
        for l in removed { network.unblock(from: l.from, to: l.to) }
        for l in added { network.block(from: l.from, to: l.to) }
    }

    /// Shuts the TCP network down (every socket and thread).
    package func shutdown() { network.shutdown() }
}
