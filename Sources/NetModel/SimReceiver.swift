/// A node that receives its simulated traffic itself, without a handler closure: the network
/// calls it through its type's witness table.
///
/// Why not the closure of `SimNetwork.attach(_:handler:)`: a closure that calls a node's actor
/// holds it in a context object of its own (two, counting the one that checks isolation), one
/// per node, and every delivery loaded them. With 100,000 simulated clients those contexts were
/// cold cache lines on every delivery; the node itself is loaded anyway.
public protocol SimReceiver<Payload>: AnyObject {
    /// What the node receives.
    associatedtype Payload: NetworkPayload
    /// Handles one arrival. The network calls it only from the simulator's loop, after its
    /// `receiverCheck` (which proves that the calling thread holds the nodes' isolation).
    func receiveOnSimulatorLoop(_ inbound: consuming Inbound<Payload>)
}
