import Foundation

/// Frames in and out: hellos, one-shot messages and streams.
extension TCPReactor {
    /// Handles one frame read from `connection`.
    func handleFrame(_ frame: TCPFrame, on connection: TCPConnection) {
        let node = connection.node
        if connection.handshake != nil { return handleHandshake(frame, on: connection) }
        if connection.state == .awaitingHello {
            acceptHello(frame, on: connection)
            return
        }
        var frame = frame
        guard openAuthenticated(&frame, on: connection) else { return }
        guard let peer = connection.peer else { return }
        if frame.kind != .streamClose, blocks.contains(from: peer, to: node.name) {
            stats.drop("blocked")
            return
        }
        switch frame.kind {
        case .hello, .nodeHello, .challenge, .proof:
            cut(connection, reason: "protocol-error", detail: "a second hello from \(peer)", streams: .reset, poison: true)
        case .message:
            dispatch(.message(from: peer, id: frame.messageID, body: frame.body), from: connection)
        case .streamOpen:
            guard connection.streams[frame.streamID] == nil else {
                cut(connection, reason: "protocol-error", detail: "stream \(frame.streamID) opened twice",
                    streams: .reset, poison: true)
                return
            }
            let local = node.makeStreamID()
            connection.streams[frame.streamID] = local
            node.streams[local] = TCPStreamRoute(connection: connection, wireID: frame.streamID, peer: peer)
            dispatch(.streamOpened(local, peer: peer), from: connection)
        case .streamMessage:
            guard let local = connection.streams[frame.streamID] else {
                stats.drop("stream-closed")
                return
            }
            dispatch(.streamMessage(local, peer: peer, body: frame.body), from: connection)
        case .streamClose:
            guard let local = connection.streams.removeValue(forKey: frame.streamID) else { return }
            node.streams[local] = nil
            dispatch(.streamClosed(local, peer: peer, reason: StreamCloseReason(wireCode: frame.code)), from: connection)
        }
    }

    private func acceptHello(_ frame: TCPFrame, on connection: TCPConnection) {
        let node = connection.node
        if frame.kind == .nodeHello { return acceptNodeHello(frame, on: connection) }
        guard frame.kind == .hello,
              let hello = try? MessagePackDecoder().decode(TCPHello.self, from: frame.body) else {
            cut(connection, reason: "protocol-error", detail: "the first frame is not a hello", streams: .reset, poison: true)
            return
        }
        guard hello.to == node.name else {
            cut(connection, reason: "protocol-error", detail: "hello for \(hello.to) reached \(node.name)",
                streams: .reset, poison: true)
            return
        }
        guard admitsClientHello(hello, on: connection) else { return }
        connection.peer = hello.from
        connection.state = .open
        if let listen = hello.listen, connection.peerKind != .client { directory.set(listen, for: hello.from) }
        if let existing = node.links[hello.from], existing !== connection {
            if !existing.isConnector {
                // The peer connected again (it restarted): the older connection is stale.
                peerGone(existing, reason: "replaced", detail: nil)
                node.links[hello.from] = connection
            }
            // Otherwise both sides dialled at once: keep sending on ours, read from both.
        } else {
            node.links[hello.from] = connection
        }
        updateInterest(connection)
    }

    /// Queues an inbound event of `connection` for its worker.
    func dispatch(_ event: TCPWorkEvent, from connection: TCPConnection) {
        workers.enqueue(TCPWorkItem(node: connection.node, ticket: connection.ticket,
                                    connectionToken: connection.token, event: event, peerKind: connection.peerKind),
                        to: connection.worker)
    }

    /// Queues an event the reactor made up (not read from a socket) for `node`.
    func dispatchLocal(_ event: TCPWorkEvent, to node: TCPLocalNode, worker: Int) {
        workers.enqueue(TCPWorkItem(node: node, ticket: nil, connectionToken: 0, event: event), to: worker)
    }

    /// The connection `node` sends to `peer` on: the existing one, or a new one (in
    /// `.backoff`, hello queued) when the peer's address is known. Call `kick` after queueing.
    /// - Returns: nil when there is no connection and no address.
    private func link(from node: TCPLocalNode, to peer: NodeName) -> TCPConnection? {
        if let existing = node.links[peer] { return existing }
        guard directory.address(of: peer) != nil else { return nil }
        let connection = makeConnection(node: node, isConnector: true, state: .backoff, peer: peer, socket: nil)
        node.links[peer] = connection
        appendOpeningHello(on: connection, to: peer)
        stats.update { $0.framesOut += 1 }
        if let wait = node.backoff[peer], wait.notBefore > .now {
            connection.retryScheduled = true
            scheduleRetry(node, peer, at: wait.notBefore)
        }
        return connection
    }

    /// After queueing on `connection`: connect if it waits for no back-off, or write soon.
    private func kick(_ connection: TCPConnection) {
        switch connection.state {
        case .backoff:
            if !connection.retryScheduled { startConnect(connection) }
        case .open:
            markDirty(connection)
            if connection.pendingBytes > options.maxOutboundBytes {
                flush(connection)
                if connection.state == .open, connection.pendingBytes > options.maxOutboundBytes {
                    cut(connection, reason: "slow-consumer",
                        detail: "\(connection.pendingBytes) bytes unwritten, limit \(options.maxOutboundBytes)",
                        streams: .reset, poison: false)
                }
            }
        case .connecting, .awaitingHello, .closed:
            break
        }
    }

    func sendMessage(from node: TCPLocalNode, to peer: NodeName, id: UInt64, body: [UInt8]) {
        guard !node.isDetached else { return stats.drop("detached") }
        guard !blocks.contains(from: node.name, to: peer) else { return stats.drop("blocked") }
        guard let connection = link(from: node, to: peer) else { return stats.drop("no-route") }
        if connection.state != .open || connection.handshake != nil {
            guard connection.queuedMessages < options.maxQueuedWhileConnecting,
                  connection.pendingBytes + body.count <= options.maxOutboundBytes else {
                return stats.drop("queue-full")
            }
            connection.queuedMessages += 1
        }
        connection.appendFrame(kind: .message, streamID: 0, messageID: id, body: body)
        stats.update { $0.framesOut += 1 }
        kick(connection)
    }

    func openStream(_ stream: StreamID, from node: TCPLocalNode, to peer: NodeName) {
        guard !node.isDetached else { return }
        if blocks.contains(from: node.name, to: peer) {
            return dispatchLocal(.streamClosed(stream, peer: peer, reason: .partition), to: node, worker: 0)
        }
        guard let connection = link(from: node, to: peer) else {
            return dispatchLocal(.streamClosed(stream, peer: peer, reason: .refused), to: node, worker: 0)
        }
        let wireID = connection.wireID(forOwn: stream)
        connection.streams[wireID] = stream
        node.streams[stream] = TCPStreamRoute(connection: connection, wireID: wireID, peer: peer)
        connection.appendFrame(kind: .streamOpen, streamID: wireID, messageID: 0, body: [])
        stats.update { $0.framesOut += 1 }
        kick(connection)
    }

    func sendOnStream(_ stream: StreamID, from node: TCPLocalNode, id: UInt64, body: [UInt8]) {
        guard let route = node.streams[stream], route.connection.state != .closed else {
            return stats.drop(node.isDetached ? "detached" : "stream-closed")
        }
        if blocks.contains(from: node.name, to: route.peer) { return stats.drop("blocked") }
        route.connection.appendFrame(kind: .streamMessage, streamID: route.wireID, messageID: id, body: body)
        stats.update { $0.framesOut += 1 }
        kick(route.connection)
    }

    func closeStream(_ stream: StreamID, by node: TCPLocalNode) {
        guard let route = node.streams.removeValue(forKey: stream) else { return }
        let connection = route.connection
        connection.streams[route.wireID] = nil
        guard connection.state != .closed else { return }
        connection.appendFrame(kind: .streamClose, code: StreamCloseReason.closed.wireCode,
                               streamID: route.wireID, messageID: 0, body: [])
        stats.update { $0.framesOut += 1 }
        kick(connection)
    }
}
