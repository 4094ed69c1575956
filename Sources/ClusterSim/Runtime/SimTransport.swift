import NetModel
import Nodes

/// A node's transport in a simulated run: the simulated network's handle, seen through a concrete
/// `ClusterMessage` type.
///
/// Node code talks to `any Transport<ClusterMessage>`. Calling the generic `SimNetwork.Handle`
/// through that existential runs NetModel's unspecialised code, which looks up generic metadata
/// (`Envelope<Payload>`, `Pending`, …) on every message. This class's witnesses are compiled here,
/// where `Payload` is known, so the network's inlinable send paths are specialised into them.
/// The environment's own `send`s skip it (they call the handle, specialised in the same way);
/// one is made each time node code asks for `transport` (to open or close a stream).
final class SimTransport: Transport, @unchecked Sendable {
    typealias Payload = ClusterMessage

    /// The simulated network's handle this transport forwards to.
    let handle: SimNetwork<ClusterMessage>.Handle

    init(_ handle: SimNetwork<ClusterMessage>.Handle) { self.handle = handle }

    var local: NodeName { handle.local }

    @discardableResult
    func send(_ payload: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
        handle.send(payload, to: destination)
    }

    func openStream(to peer: NodeName) -> StreamID { handle.openStream(to: peer) }

    func send(_ payload: consuming ClusterMessage, on stream: StreamID) { handle.send(payload, on: stream) }

    func closeStream(_ stream: StreamID) { handle.closeStream(stream) }
}
