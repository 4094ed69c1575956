/// Sockets: accepting, connecting, reading, writing, and what epoll watches.
extension TCPReactor {
    /// Accepts every pending connection on `node`'s listener (at most 256 per turn). At the
    /// descriptor limit the pending clients are closed at once (`ListenerAcceptor`); when even
    /// that fails the listener is not watched for 100 ms rather than spin.
    func acceptAll(on node: TCPLocalNode, _ acceptor: ListenerAcceptor) {
        guard node.listener != nil, !node.isDetached else { return }
        for _ in 0..<256 {
            switch acceptor.acceptNext() {
            case .drained: return
            case .exhausted(let error, let shed, let pause):
                options.log?("tcp: \(node.name) cannot accept: \(error); closed \(shed) waiting client\(shed == 1 ? "" : "s")\(pause ? ", accepting again in 100 ms" : "")")
                stats.update { $0.acceptsShed += shed }
                if pause {
                    try? epoll.modify(fd: acceptor.listener.fd, events: [], token: node.listenerToken)
                    listenerRetries.append((at: .now + .milliseconds(acceptor.backoffMilliseconds), node: node))
                }
                return
            case .accepted(let socket):
                socket.setNoDelay()
                let connection = makeConnection(node: node, isConnector: false, state: .awaitingHello,
                                                peer: nil, socket: socket)
                connection.deadlines = ConnectionDeadlines(
                    idleTimeout: options.helloTimeoutMilliseconds.map(Int64.init),
                    partialFrameTimeout: options.partialFrameTimeoutMilliseconds.map(Int64.init), now: core.now)
                stats.update { $0.connectionsAccepted += 1 }
                updateInterest(connection)
            }
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
            if !events.isDisjoint(with: .writableOrClosed) { finishConnecting(connection) }
        case .awaitingHello, .open:
            if !events.isDisjoint(with: .readableOrClosed) {
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

    /// Reads what the socket has (at most 16 chunks per turn, for fairness, and only while the
    /// connection's input budget allows: not while its outbound bytes are over half the limit)
    /// and handles the frames.
    private func readAvailable(_ connection: TCPConnection) {
        guard let socket = connection.socket else { return }
        let pauseAt = options.maxOutboundBytes / 2
        let (stop, bytesRead) = reader.read(socket, mayRead: {
            connection.pendingBytes <= pauseAt && !workers.isOverloaded(connection.worker)
        }, consume: { chunk in
            connection.decoder.append(chunk)
            guard drainFrames(connection) else { return false }
            // The hello deadline is an idle timeout that ends with the hello.
            if connection.state == .open, connection.deadlines?.idleTimeout != nil { connection.deadlines?.idleTimeout = nil }
            connection.deadlines?.didRead(at: core.now, hasPartialFrame: connection.decoder.bufferedCount > 0)
            return true
        })
        stats.update { $0.bytesIn += bytesRead }
        switch stop {
        case .drained, .quota, .stopped: return
        case .closed: peerGone(connection, reason: "peer-closed", detail: nil)
        case .failed(let error): peerGone(connection, reason: "peer-error", detail: "\(error)")
        case .budget:
            if connection.pendingBytes > pauseAt {
                connection.budgetPaused = true
                stats.update { $0.budgetPauses += 1 }
            } else {
                connection.paused = true
                paused.append(connection)
                stats.update { $0.readPauses += 1 }
            }
            updateInterest(connection)
        }
    }

    /// Closes every connection past a deadline (an accepted peer that never finished its hello,
    /// a frame left unfinished too long); checked once a second.
    func sweepDeadlines() {
        guard hasDeadlines, core.now >= nextDeadlineSweep else { return }
        nextDeadlineSweep = core.now + 1_000
        var expired: [(TCPConnection, String)] = []
        for node in nodes.values {
            for connection in node.connections.values {
                if let reason = connection.deadlines?.expiry(at: core.now) { expired.append((connection, reason)) }
            }
        }
        for (connection, reason) in expired.sorted(by: { $0.0.token < $1.0.token }) {
            stats.update { $0.timeouts += 1 }
            cut(connection, reason: "timeout", detail: reason, streams: .reset, poison: true)
        }
    }

    /// Whether any deadline is configured.
    var hasDeadlines: Bool {
        options.helloTimeoutMilliseconds != nil || options.partialFrameTimeoutMilliseconds != nil
    }

    /// Handles every complete frame buffered on `connection`.
    /// - Returns: false when the connection was closed meanwhile.
    private func drainFrames(_ connection: TCPConnection) -> Bool {
        while connection.state != .closed {
            let frame: TCPFrame?
            do {
                frame = try connection.decoder.next()
            } catch {
                cut(connection, reason: "protocol-error", detail: "\(error)", streams: .reset, poison: true)
                return false
            }
            guard let frame else { return true }
            // Counted before it is handled: with no workers the handler runs right here, and
            // whoever sees the delivery must see the frame counted.
            stats.update { $0.framesIn += 1 }
            handleFrame(frame, on: connection)
        }
        return false
    }

    /// Writes what the socket takes of the connection's pending bytes.
    func flush(_ connection: TCPConnection) {
        guard connection.state == .open, let socket = connection.socket else { return }
        let before = connection.pendingBytes
        do {
            _ = try connection.outbound.write(to: socket)
        } catch {
            stats.update { $0.bytesOut += before - connection.pendingBytes }
            peerGone(connection, reason: "peer-error", detail: "\(error)")
            return
        }
        let written = before - connection.pendingBytes
        if written > 0 { stats.update { $0.bytesOut += written } }
        if connection.budgetPaused, connection.pendingBytes <= options.maxOutboundBytes / 2 {
            connection.budgetPaused = false  // drained: its input budget is back
        }
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
