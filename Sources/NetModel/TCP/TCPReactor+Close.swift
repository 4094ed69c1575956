/// Ending connections: failed connects, peers gone, local cuts, detach and shutdown.
extension TCPReactor {
    /// A connect failed: queued messages are lost, streams opened on it are refused, and the
    /// next attempt waits out a growing, jittered back-off.
    func connectFailed(_ connection: TCPConnection, because detail: String) {
        let node = connection.node
        stats.drop("unreachable", count: connection.queuedMessages)
        stats.disconnect("connect-failed")
        if let peer = connection.peer {
            let failures = (node.backoff[peer]?.failures ?? 0) + 1
            let delay = backoffPolicy.delayMilliseconds(afterFailures: failures, random: &random)
            node.backoff[peer] = (failures, .now + .milliseconds(delay))
        }
        closeStreams(of: connection, reason: .refused)
        teardown(connection)
    }

    /// The peer closed or broke the connection: its streams end with `.peerCrashed`.
    func peerGone(_ connection: TCPConnection, reason: String, detail: String?) {
        guard connection.state != .closed else { return }
        if connection.state == .connecting || connection.state == .backoff {
            return connectFailed(connection, because: detail ?? reason)
        }
        stats.disconnect(reason)
        if let peer = connection.peer { connection.node.backoff[peer] = nil }
        closeStreams(of: connection, reason: .peerCrashed)
        teardown(connection)
    }

    /// This side gives up on a connection (bad frames, slow consumer, blocked link): logs why,
    /// tells the local node its streams ended with `streams`, and resets the socket. With
    /// `poison`, frames of it still queued for the worker are skipped.
    func cut(_ connection: TCPConnection, reason: String, detail: String, streams: StreamCloseReason, poison: Bool) {
        guard connection.state != .closed else { return }
        let who = connection.peer.map { "\($0)" } ?? "an unidentified peer"
        options.log?("tcp: \(connection.node.name) closes its connection with \(who): \(reason): \(detail)")
        if poison { connection.ticket.poison() }
        stats.disconnect(reason)
        if connection.state == .open, connection.pendingBytes > 0 { stats.drop("disconnected") }
        if connection.state == .backoff || connection.state == .connecting {
            stats.drop("unreachable", count: connection.queuedMessages)
        }
        closeStreams(of: connection, reason: connection.state == .open ? streams : (streams == .partition ? .partition : .refused))
        teardown(connection, abortive: true)
    }

    /// Tells the local node that every stream of `connection` ended, in stream-id order.
    private func closeStreams(of connection: TCPConnection, reason: StreamCloseReason) {
        guard let peer = connection.peer, !connection.streams.isEmpty else { return }
        let node = connection.node
        for local in connection.streams.values.sorted() {
            node.streams[local] = nil
            dispatchLocal(.streamClosed(local, peer: peer, reason: reason), to: node, worker: connection.worker)
        }
        connection.streams.removeAll()
    }

    /// Closes the socket and forgets the connection.
    /// `abortive` resets the connection, discarding what the kernel has not sent yet.
    private func teardown(_ connection: TCPConnection, abortive: Bool = false) {
        let node = connection.node
        if let socket = connection.socket {
            if connection.registered { try? epoll.unregister(fd: socket.fd) }
            if abortive { socket.abort() } else { socket.close() }
        }
        connection.state = .closed
        connection.outbound.removeAll()
        registry[connection.token] = nil
        node.connections[connection.token] = nil
        if let peer = connection.peer, node.links[peer] === connection { node.links[peer] = nil }
    }

    /// Closes a node's listener and connections without telling it anything (it is gone);
    /// its peers see their connections close.
    func detachNow(_ node: TCPLocalNode, reason: String = "detach") {
        guard nodes.removeValue(forKey: ObjectIdentifier(node)) != nil else { return }
        for connection in node.connections.values.sorted(by: { $0.token < $1.token }) {
            stats.disconnect(reason)
            connection.streams.removeAll()
            teardown(connection)
        }
        node.streams.removeAll()
        node.backoff.removeAll()
        retries.removeAll { $0.node === node }
        listenerRetries.removeAll { $0.node === node }
        if let listener = node.listener {
            if registry[node.listenerToken] != nil {
                try? epoll.unregister(fd: listener.fd)
                registry[node.listenerToken] = nil
            }
            listener.close()
        }
        if let address = node.listenAddress { directory.remove(node.name, ifAt: address) }
    }

    /// Resets every connection between the two names (either may be local), streams ending
    /// with `.partition`.
    func cutLinks(between a: NodeName, and b: NodeName) {
        let affected = nodes.values.filter { $0.name == a || $0.name == b }.sorted { $0.name < $1.name }
        for node in affected {
            let other = node.name == a ? b : a
            let doomed = node.connections.values.filter { $0.peer == other }.sorted { $0.token < $1.token }
            for connection in doomed {
                cut(connection, reason: "blocked", detail: "traffic between \(a) and \(b) is blocked",
                    streams: .partition, poison: false)
            }
        }
    }

    /// Closes every socket of every node (shutdown).
    func closeEverything() {
        for node in nodes.values.sorted(by: { $0.name < $1.name }) {
            _ = node.markDetached()
            detachNow(node, reason: "shutdown")
        }
    }
}
