import NetModel
import Nodes

/// A real (non-simulated) network the real runtime attaches node incarnations to: the TCP
/// network, or the in-memory twin `LocalFabric` for tests.
///
/// Handlers may be called on any thread, serially per peer connection; the runtime hops each
/// inbound item into the node's mailbox in the order it arrives.
public protocol RealFabric: AnyObject, Sendable {
    /// Attaches one node incarnation; a server (`listens`) gets a listener.
    /// - Returns: its transport and how to detach it (close its listener and connections).
    func attach(_ name: NodeName, listens: Bool,
                handler: @escaping @Sendable (Inbound<ClusterMessage>) -> Void) throws -> RealAttachment
    /// Makes `isCut(from, to)` the rule for which links are cut (partitions); traffic on a cut link
    /// is dropped and streams across it are reset when `linksChanged()` is called.
    func setLinkRule(_ isCut: @escaping @Sendable (NodeName, NodeName) -> Bool)
    /// The link rule's answer changed (a partition started or healed).
    func linksChanged()
    /// Closes everything; idempotent.
    func shutdown()
}

/// One attached node incarnation.
public struct RealAttachment: Sendable {
    /// The node's transport.
    public var transport: any Transport<ClusterMessage>
    /// Where it listens ("HOST:PORT"), if it does.
    public var address: String?
    /// Closes its listener and connections (a crash); peers see their streams close.
    public var detach: @Sendable () -> Void

    /// Makes an attachment.
    public init(transport: any Transport<ClusterMessage>, address: String?, detach: @escaping @Sendable () -> Void) {
        self.transport = transport
        self.address = address
        self.detach = detach
    }
}

/// A fabric error: what could not be done and why.
public struct RealFabricError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    /// Makes an error.
    public init(_ description: String) { self.description = description }
}
