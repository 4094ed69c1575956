import NetModel

extension ChatServerWorker {
    // MARK: - Reading

    /// Reads what the socket holds, decoding and handling every complete message in it; a
    /// partial frame stays in the connection's decoder for the next read.
    func readAvailable(_ connection: ChatConnection) {
        while true {
            let count: Int
            do {
                switch try connection.socket.read(into: readBuffer) {
                case .bytes(let n): count = n
                case .wouldBlock: return  // nothing more for now
                case .closed:
                    close(connection, reason: nil)  // the peer closed its end
                    return
                }
            } catch {
                close(connection, reason: "read failed: \(error)")
                return
            }
            connection.decoder.append(UnsafeRawBufferPointer(rebasing: readBuffer[..<count]))
            server.readCounter.add(count)
            do {
                while let message = try connection.decoder.nextClientMessage() {
                    handle(message, from: connection)
                    if server.isStopping { return }
                }
            } catch {
                reject(connection, error)
                return
            }
            if count < readBuffer.count { return }  // a short read emptied the socket
        }
    }

    private func handle(_ message: ChatClientMessage, from connection: ChatConnection) {
        if case .shutdown = message {
            server.log("chat-server: /shutdown from \(connection.peerName); stopping")
            server.requestStop()
            return
        }
        backend.handle(message, from: connection.member) { deliver($0) }
    }

    /// A frame that does not decode: the peer gets a system message saying why (best effort),
    /// then only this connection is closed.
    private func reject(_ connection: ChatConnection, _ error: ChatWireError) {
        if let notice = try? ChatWire.encode(.system("잘못된 메시지로 연결을 종료합니다: \(error)"), format: configuration.format) {
            connection.outbox.append(notice)
            _ = writePending(connection)
        }
        close(connection, reason: "bad message: \(error)")
    }

    // MARK: - Routing output

    /// Queues each effect's bytes for its recipient in the delivery table. Called by the backend
    /// inside its critical section, so the bytes of every member are in room-operation order.
    /// A connection of this loop is flushed at the end of this iteration; another loop is asked
    /// to flush (and woken once, after the iteration).
    func deliver(_ effects: [ChatEffect]) {
        guard !effects.isEmpty else { return }
        server.delivery.withLock { table in
            for effect in effects {
                let bytes: [UInt8]
                do {
                    bytes = try cache.bytes(for: effect.message)
                } catch {
                    server.log("chat-server: cannot encode a message for member \(effect.recipient): \(error); not sent")
                    continue
                }
                guard let id = Int(effect.recipient.rawValue), let owner = table.append(bytes, to: id) else { continue }
                if owner == index {
                    if let connection = connections[id] { markDirty(connection) }
                } else {
                    table.request(id, from: owner)
                    wakePeers[owner] = true
                }
            }
        }
    }

    func markDirty(_ connection: ChatConnection) {
        if !connection.isDirty {
            connection.isDirty = true
            dirty.append(connection)
        }
    }

    /// Wakes the loops asked to flush something during this iteration.
    func signalPeers() {
        for owner in wakePeers.indices where wakePeers[owner] {
            wakePeers[owner] = false
            peers[owner].wakeup.signal()
        }
    }

    // MARK: - Writing

    /// Writes every connection that got output this iteration: one write each where the socket
    /// takes it all.
    func flushDirty() {
        // Closing a slow consumer queues leave notices for others: flush until none is left.
        while !dirty.isEmpty {
            flushDirtyOnce()
        }
    }

    private func flushDirtyOnce() {
        let batch = dirty
        dirty.removeAll(keepingCapacity: true)
        // Cleared before any flush: a close below may queue a notice for a later connection of
        // this batch, which must then be marked dirty again (its table flag was just reset).
        for connection in batch { connection.isDirty = false }
        server.delivery.withLock { table in
            for connection in batch { table.take(connection.id, into: &connection.outbox) }
        }
        for connection in batch where connections[connection.id] === connection {
            flush(connection)
        }
    }

    /// Writes what waits; watches for writability while some remains; disconnects a reader
    /// that let more than the limit pile up.
    func flush(_ connection: ChatConnection) {
        guard writePending(connection) else { return }
        if connection.outbox.isOverLimit {
            close(connection, reason: "slow consumer: \(connection.outbox.pendingCount) bytes waiting, over the limit of \(connection.outbox.limit)")
            return
        }
        let wantWritable = !connection.outbox.isEmpty
        guard wantWritable != connection.watchesWritable else { return }
        do {
            try epoll.modify(fd: connection.socket.fd,
                             events: wantWritable ? [.readable, .writable] : .readable, token: UInt64(connection.id))
            connection.watchesWritable = wantWritable
        } catch {
            close(connection, reason: "cannot watch for writability: \(error)")
        }
    }

    /// Writes until the outbox is empty or the socket is full.
    /// - Returns: `false` when the write failed and the connection was closed.
    @discardableResult
    private func writePending(_ connection: ChatConnection) -> Bool {
        while !connection.outbox.isEmpty {
            let written: Int?
            do {
                written = try connection.outbox.withPendingBytes { try connection.socket.write($0) }
            } catch {
                close(connection, reason: "write failed: \(error)")
                return false
            }
            guard let written else { return true }  // the socket is full
            connection.outbox.didWrite(written)
        }
        return true
    }

    // MARK: - Closing

    /// Closes one connection; its member leaves its room and the others are told. `reason`
    /// (nil for an orderly close by the peer) is logged.
    func close(_ connection: ChatConnection, reason: String?) {
        guard connections[connection.id] === connection else { return }
        // An orderly close still gets the answers already produced (a failed write closes it).
        if reason == nil {
            server.delivery.withLock { $0.take(connection.id, into: &connection.outbox) }
            if !writePending(connection) { return }
        }
        connections[connection.id] = nil
        server.delivery.withLock { $0.close(connection.id) }
        try? epoll.unregister(fd: connection.socket.fd)
        connection.socket.close()
        if let reason { server.log("chat-server: closed connection \(connection.peerName): \(reason)") }
        if let listener, !listenerWatched { watchListener(listener, true) }
        backend.disconnect(connection.member) { deliver($0) }
    }

    /// Closes every connection without notices (the server is stopping).
    func closeEverything() {
        for id in connections.keys.sorted() {
            guard let connection = connections[id] else { continue }
            try? epoll.unregister(fd: connection.socket.fd)
            connection.socket.close()
        }
        connections.removeAll()
        let mail = mailbox.withLock { box -> ChatServerMailbox in
            let taken = box
            box = ChatServerMailbox()
            return taken
        }
        for pending in mail.connections { pending.socket.close() }
    }
}
