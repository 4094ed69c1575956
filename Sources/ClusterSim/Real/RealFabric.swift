import NetModel
import Nodes

/// A real (non-simulated) network the real runtime attaches node incarnations to: the TCP
/// network, or the in-memory twin `LocalFabric` for tests.
///
/// Handlers may be called on any thread, serially per peer connection; the runtime hops each
/// inbound item into the node's mailbox in the order it arrives.
package protocol RealFabric: AnyObject, Sendable {
    /// Attaches one node incarnation; a server (`listens`) gets a listener.
    /// - Returns: its transport and how to detach it (close its listener and connections).
    func attach(_ name: NodeName, listens: Bool,
                handler: @escaping @Sendable (Inbound<ClusterMessage>) -> Void) throws -> RealAttachment
    /// Makes `links` the set of cut links (partitions in force): traffic on a cut link is dropped
    /// and the streams across a newly cut link are reset; links left out carry traffic again.
    func setCutLinks(_ links: Set<Link>)
    /// Closes everything; idempotent.
    func shutdown()
}

/// One attached node incarnation.
package struct RealAttachment: Sendable {
    /// The node's transport.
    package var transport: any Transport<ClusterMessage>
    /// Where it listens ("HOST:PORT"), if it does.
    package var address: String?
    /// Closes its listener and connections (a crash); peers see their streams close.
    package var detach: @Sendable () -> Void

    /// Makes an attachment.
    package init(transport: any Transport<ClusterMessage>, address: String?, detach: @escaping @Sendable () -> Void) {
        self.transport = transport
        self.address = address
        self.detach = detach
    }
}

/// A fabric error: what could not be done and why.
package struct RealFabricError: Error, CustomStringConvertible {
    /// What went wrong.
    package let description: String
    /// Makes an error.
    package init(_ description: String) { self.description = description }
}

/// One direction between two nodes, as a partition cuts it.
package struct Link: Hashable, Sendable, Comparable {
    /// The sending side.
    package var from: NodeName
    /// The receiving side.
    package var to: NodeName
    /// Makes a link.
    package init(from: NodeName, to: NodeName) {
        self.from = from
        self.to = to
    }
    /// Orders links by sending, then receiving node.
    package static func < (a: Link, b: Link) -> Bool { (a.from, a.to) < (b.from, b.to) }

    /// Every link `partitions` cut: between nodes of different groups (one-way: first → second).
    /// - Returns: the links, in a set.
    package static func cut(by partitions: [Partition]) -> Set<Link> {
        var links: Set<Link> = []
        for p in partitions {
            for (i, a) in p.groups.enumerated() {
                for (j, b) in p.groups.enumerated() where i != j && (!p.oneWay || (i == 0 && j == 1)) {
                    for x in a { for y in b { links.insert(Link(from: x, to: y)) } }
                }
            }
        }
        return links
    }
}
