import Dispatch

/// One node's handle on a `TCPNetwork`: the `Transport` its code talks through.
///
/// Sends encode the payload on the calling thread and hand the frame to the reactor; they
/// never block on the network. Inbound traffic reaches the handler given to `attach`.
package final class TCPTransport<Payload: NetworkPayload & Codable>: Transport, Sendable {
    /// The node this handle belongs to.
    package let local: NodeName
    /// The address the node listens on (the actual port when attached with port 0), or nil
    /// for a node without a listener (a client).
    package let listenAddress: SocketAddress?
    private let network: TCPNetwork<Payload>
    private let node: TCPLocalNode

    init(network: TCPNetwork<Payload>, node: TCPLocalNode) {
        self.network = network
        self.node = node
        self.local = node.name
        self.listenAddress = node.listenAddress
    }

    /// Whether the node is still attached.
    package var isAttached: Bool { !node.isDetached && network.reactor.isRunning }

    /// Sends a one-shot message; it is dropped (and counted) when the peer has no connection
    /// and no address, the connection cannot be opened, or the payload exceeds the frame limit.
    /// - Returns: the message id, also seen by the receiver in its `Envelope`.
    @discardableResult
    package func send(_ payload: consuming Payload, to destination: NodeName) -> UInt64 {
        let id = network.makeMessageID()
        guard let body = encodedBody(payload) else { return id }
        if network.blocks.contains(from: local, to: destination) {
            network.statsBox.drop("blocked")
            return id
        }
        if !network.reactor.submit(.send(node, to: destination, messageID: id, body: body)) {
            network.statsBox.drop("detached")
        }
        return id
    }

    /// Opens a stream to `peer` (over the pair's connection, opened if needed). When the peer
    /// has no address and no connection, or the connect fails, the handler later gets
    /// `.streamClosed(…, reason: .refused)`.
    /// - Returns: the new stream's id, valid at once for `send(_:on:)`.
    package func openStream(to peer: NodeName) -> StreamID {
        let stream = node.makeStreamID()
        network.reactor.submit(.openStream(node, stream, to: peer))
        return stream
    }

    /// Sends on an open stream: reliable and in order while the stream and its connection live.
    package func send(_ payload: consuming Payload, on stream: StreamID) {
        guard let body = encodedBody(payload) else { return }
        if !network.reactor.submit(.streamSend(node, stream, messageID: network.makeMessageID(), body: body)) {
            network.statsBox.drop("detached")
        }
    }

    /// Closes a stream; the peer sees `.streamClosed(…, reason: .closed)`.
    package func closeStream(_ stream: StreamID) {
        network.reactor.submit(.closeStream(node, stream))
    }

    /// Detaches the node, as a crash does: closes its listener and connections (peers see their
    /// streams end and reconnect later), removes its address from the directory, and stops its
    /// handler being called. Returns once the sockets are closed, so the same port can be
    /// listened on again at once. Idempotent.
    package func detach() {
        guard node.markDetached() else { return }
        let done = DispatchSemaphore(value: 0)
        // From a handler the reactor calls itself (no workers), waiting would wait for ourselves:
        // the reactor detaches right after the handler returns, and nothing reaches or leaves the
        // node meanwhile (it is marked detached).
        if network.reactor.submit(.detach(node, done: done)) && !network.reactor.isCurrentThread { done.wait() }
        network.released(local)
    }

    private func encodedBody(_ payload: Payload) -> [UInt8]? {
        guard !node.isDetached else {
            network.statsBox.drop("detached")
            return nil
        }
        guard let body = network.encode(payload) else {
            network.statsBox.drop("unencodable")
            return nil
        }
        guard body.count + TCPFrame.headerAfterLength <= network.options.maxFrameSize else {
            network.statsBox.drop("oversized")
            return nil
        }
        return body
    }
}
