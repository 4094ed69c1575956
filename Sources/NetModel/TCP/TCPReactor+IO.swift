/// Sockets: accepting, connecting, reading, writing, and what epoll watches.
extension TCPReactor {
    /// Accepts every pending connection on `node`'s listener.
    func acceptAll(on node: TCPLocalNode) {
        guard let listener = node.listener, !node.isDetached else { return }
        for _ in 0..<256 {
            let socket: Socket
            do {
                guard let accepted = try listener.accept() else { return }
                socket = accepted
            } catch {
                options.log?("tcp: \(node.name) cannot accept: \(error); accepting again in 100 ms")
                // Out of descriptors: stop watching the listener for a while rather than spin.
                try? epoll.modify(fd: listener.fd, events: [], token: node.listenerToken)
                listenerRetries.append((at: .now + .milliseconds(100), node: node))
                return
            }
            socket.setNoDelay()
            let connection = makeConnection(node: node, isConnector: false, state: .awaitingHello,
                                            peer: nil, socket: socket)
            stats.update { $0.connectionsAccepted += 1 }
            updateInterest(connection)
        }
    }

    /// Makes and registers a connection object (its socket, if any, is watched by `updateInterest`).
    func makeConnection(node: TCPLocalNode, isConnector: Bool, state: TCPConnection.State,
                        peer: NodeName?, socket: Socket?) -> TCPConnection {
        let token = makeToken()
        let connection = TCPConnection(
            token: token, node: node, isConnector: isConnector, worker: Int(token % UInt64(workers.count)),
            state: state, peer: peer, socket: socket, maxFrameSize: options.maxFrameSize)
        registry[token] = .connection(connection)
        node.connections[token] = connection
        return connection
    }

    /// Starts the non-blocking connect of a connection waiting in `.backoff`.
    func startConnect(_ connection: TCPConnection) {
        connection.retryScheduled = false
        guard connection.state == .backoff, let peer = connection.peer else { return }
        guard let address = directory.address(of: peer) else {
            connectFailed(connection, because: "\(peer) has no address any more")
            return
        }
        do {
            connection.socket = try Socket.connect(to: address)
            connection.state = .connecting
            updateInterest(connection)
        } catch {
            connectFailed(connection, because: "\(error)")
        }
    }

    /// Handles what epoll reported for a connection.
    func handleIO(_ connection: TCPConnection, _ events: EPollEvents) {
        switch connection.state {
        case .closed, .backoff:
            return
        case .connecting:
            if !events.isDisjoint(with: [.writable, .error, .hangup]) { finishConnecting(connection) }
        case .awaitingHello, .open:
            if !events.isDisjoint(with: [.readable, .error, .hangup]) {
                readAvailable(connection)
            }
            if events.contains(.writable), connection.state == .open { flush(connection) }
        }
    }

    private func finishConnecting(_ connection: TCPConnection) {
        guard let socket = connection.socket, let peer = connection.peer else { return }
        do {
            try socket.finishConnect()
        } catch {
            connectFailed(connection, because: "\(error)")
            return
        }
        socket.setNoDelay()
        connection.state = .open
        connection.queuedMessages = 0
        connection.node.backoff[peer] = nil
        stats.update { $0.connectionsOpened += 1 }
        flush(connection)
    }

    /// Reads what the socket has (bounded per turn, for fairness) and handles the frames.
    private func readAvailable(_ connection: TCPConnection) {
        guard let socket = connection.socket else { return }
        var bytesRead = 0
        for _ in 0..<16 {
            let result: ReadResult
            do {
                result = try socket.read(into: readBuffer)
            } catch {
                stats.update { $0.bytesIn += bytesRead }
                peerGone(connection, reason: "peer-error", detail: "\(error)")
                return
            }
            switch result {
            case .wouldBlock:
                stats.update { $0.bytesIn += bytesRead }
                return
            case .closed:
                stats.update { $0.bytesIn += bytesRead }
                peerGone(connection, reason: "peer-closed", detail: nil)
                return
            case .bytes(let n):
                bytesRead += n
                connection.decoder.append(UnsafeRawBufferPointer(rebasing: readBuffer[..<n]))
                guard drainFrames(connection) else {
                    stats.update { $0.bytesIn += bytesRead }
                    return
                }
                if workers.isOverloaded(connection.worker) {
                    connection.paused = true
                    paused.append(connection)
                    updateInterest(connection)
                    stats.update {
                        $0.bytesIn += bytesRead
                        $0.readPauses += 1
                    }
                    return
                }
            }
        }
        stats.update { $0.bytesIn += bytesRead }
    }

    /// Handles every complete frame buffered on `connection`.
    /// - Returns: false when the connection was closed meanwhile.
    private func drainFrames(_ connection: TCPConnection) -> Bool {
        var frames = 0
        defer { if frames > 0 { stats.update { $0.framesIn += frames } } }
        while connection.state != .closed {
            let frame: TCPFrame?
            do {
                frame = try connection.decoder.next()
            } catch {
                cut(connection, reason: "protocol-error", detail: "\(error)", streams: .reset, poison: true)
                return false
            }
            guard let frame else { return true }
            frames += 1
            handleFrame(frame, on: connection)
        }
        return false
    }

    /// Writes what the socket takes of the connection's pending bytes.
    func flush(_ connection: TCPConnection) {
        guard connection.state == .open, let socket = connection.socket else { return }
        var written = 0
        while connection.pendingBytes > 0 {
            let n: Int?
            do {
                n = try connection.outbound.withUnsafeBytes { raw in
                    try socket.write(UnsafeRawBufferPointer(rebasing: raw[connection.outboundStart...]))
                }
            } catch {
                stats.update { $0.bytesOut += written }
                peerGone(connection, reason: "peer-error", detail: "\(error)")
                return
            }
            guard let n else { break }
            written += n
            connection.consumeOutbound(n)
        }
        if written > 0 { stats.update { $0.bytesOut += written } }
        updateInterest(connection)
    }

    /// Flushes the connections written to during this turn.
    func flushDirty() {
        guard !dirty.isEmpty else { return }
        let batch = dirty
        dirty.removeAll(keepingCapacity: true)
        for connection in batch {
            connection.dirty = false
            flush(connection)
        }
    }

    /// Queues a flush at the end of this turn.
    func markDirty(_ connection: TCPConnection) {
        guard !connection.dirty else { return }
        connection.dirty = true
        dirty.append(connection)
    }

    /// Makes epoll watch what the connection's state needs.
    func updateInterest(_ connection: TCPConnection) {
        guard let socket = connection.socket, connection.state != .closed else { return }
        let wanted = connection.wantedInterest
        do {
            if !connection.registered {
                try epoll.register(fd: socket.fd, events: wanted, token: connection.token)
                connection.registered = true
            } else if wanted != connection.interest {
                try epoll.modify(fd: socket.fd, events: wanted, token: connection.token)
            }
            connection.interest = wanted
        } catch {
            cut(connection, reason: "peer-error", detail: "\(error)", streams: .reset, poison: false)
        }
    }

    /// Lets paused connections read again when their worker has room.
    func resumePaused() {
        guard !paused.isEmpty else { return }
        let waiting = paused
        paused.removeAll()
        for connection in waiting where connection.state != .closed {
            if workers.isOverloaded(connection.worker) {  // true also asks to be told again
                paused.append(connection)
            } else {
                connection.paused = false
                updateInterest(connection)
            }
        }
    }
}
