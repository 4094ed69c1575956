import NetModel
import Nodes

/// What cluster messages become at the edge of an authenticated `TCPNetwork`.
///
/// - The group id is never sent: a backend call leaves with an empty group, and one that arrives
///   on an authenticated node connection gets the local group id (the authenticated connection
///   is the proof of membership the group id used to be).
/// - A client connection may only log in and send requests (`request`), open its push stream
///   (`pushOpen`) and acknowledge pushes (`pushAck`); anything else from it — a backend call, a
///   registration, a ping, a stop — is refused (dropped and logged).
package enum ClusterMessageGate {
    /// The gate of a cluster whose group id is `groupID`.
    package static func gate(groupID: String) -> TCPPayloadGate<ClusterMessage> {
        TCPPayloadGate(
            outbound: { message in
                if case .backend(_, let call) = message { return .backend(group: "", call) }
                return message
            },
            inbound: { message, kind in admit(message, from: kind, groupID: groupID) })
    }

    /// What an inbound message from a peer of `kind` becomes: itself (a backend call from a node
    /// with the local group id), or a refusal.
    package static func admit(_ message: ClusterMessage, from kind: TCPPeerKind,
                             groupID: String) -> Result<ClusterMessage, TCPPayloadRefusal> {
        switch kind {
        case .node:
            if case .backend(_, let call) = message { return .success(.backend(group: groupID, call)) }
            return .success(message)
        case .client:
            switch message {
            case .request, .pushOpen, .pushAck: return .success(message)
            default: return .failure(TCPPayloadRefusal("a client may not send \(message.traceLabel)"))
            }
        case .unauthenticated:
            return .success(message)
        }
    }
}
