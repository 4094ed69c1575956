import NetModel
import Nodes

/// Wraps a real transport so a node's outgoing traffic is recorded in the trace the way the
/// simulated network records it (`send`, `stream-open`, `stream-close`); the inbound side is
/// recorded by `RealNode` when the node handles it (`deliver`, `stream-close`). A message sent to a
/// node of the process that is down is also recorded as a `crashed` drop, one on a link a
/// partition cuts as a `partition` drop.
final class TracedTransport: Transport, @unchecked Sendable {
    let base: any Transport<ClusterMessage>
    let runtime: RealRuntime
    var trace: RealTrace { runtime.trace }

    /// A client on an authenticated TCP fabric: what the receiver's gate refuses from a client
    /// (a backend call, a registration…) is recorded as a `refused` drop when sent.
    let gatedClient: Bool

    init(_ base: any Transport<ClusterMessage>, runtime: RealRuntime, gatedClient: Bool = false) {
        self.base = base
        self.runtime = runtime
        self.gatedClient = gatedClient
    }

    var local: NodeName { base.local }

    @discardableResult
    func send(_ payload: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
        let label = payload.traceLabel
        let refused: Bool = if gatedClient, case .failure = ClusterMessageGate.admit(payload, from: .client, groupID: "") {
            true
        } else {
            false
        }
        let id = base.send(payload, to: destination)
        trace.record(.send, node: local, peer: destination, messageID: id, label: label, detail: "")
        if runtime.isCut(from: local, to: destination) {
            // Cut by a partition: the fabric drops it; recorded as the simulator records it.
            trace.record(.drop, node: local, peer: destination, messageID: id, label: label, detail: "partition")
        } else if refused {
            // The receiver's transport refuses it from a client connection (docs/security.md).
            trace.record(.drop, node: destination, peer: local, messageID: id, label: label, detail: "refused")
        } else if runtime.isDown(destination) {
            // Sent to a crashed node of this process: lost, as the simulator records it.
            trace.record(.drop, node: destination, peer: local, messageID: id, label: label, detail: "crashed")
        }
        return id
    }

    func openStream(to peer: NodeName) -> StreamID {
        let id = base.openStream(to: peer)
        trace.record(.streamOpen, node: local, peer: peer, messageID: id.rawValue, label: "open", detail: "")
        return id
    }

    func send(_ payload: consuming ClusterMessage, on stream: StreamID) {
        let label = payload.traceLabel
        base.send(payload, on: stream)
        trace.record(.send, node: local, peer: nil, messageID: stream.rawValue, label: label, detail: "")
    }

    func closeStream(_ stream: StreamID) {
        base.closeStream(stream)
        trace.record(.streamClose, node: local, peer: nil, messageID: stream.rawValue, label: "close", detail: "closed")
    }
}
