import NetModel

extension ChatServerWorker {
    // MARK: - Reading

    /// Reads what the socket holds (at most 16 chunks per turn) while the connection's input
    /// budget allows — not while more than half the output limit waits for it, checked before
    /// every read and after every message handled — decoding and handling the complete
    /// messages; a partial frame (and, when the budget ran out, the messages not handled yet)
    /// stays in the connection's decoder for later.
    func readAvailable(_ connection: ChatConnection) {
        guard handleDecoded(connection) else { return }
        let pauseAt = configuration.maxPendingOutput / 2
        let (stop, bytes) = reader.read(connection.socket, mayRead: {
            connection.outbox.pendingCount <= pauseAt
        }, consume: { chunk in
            connection.decoder.append(chunk)
            return handleDecoded(connection)
        })
        if bytes > 0 { server.readCounter.add(bytes) }
        switch stop {
        case .drained, .quota, .stopped: return
        case .closed: close(connection, reason: nil)  // the peer closed its end
        case .failed(let error): close(connection, reason: "read failed: \(error)")
        case .budget: pauseReading(connection)
        }
    }

    /// Handles the complete messages buffered in the connection's decoder while its input
    /// budget allows.
    /// - Returns: true when it may read more; false when the connection was closed, the server
    ///   is stopping, or the budget ran out (reading is then paused).
    private func handleDecoded(_ connection: ChatConnection) -> Bool {
        let pauseAt = configuration.maxPendingOutput / 2
        do throws(ChatWireError) {
            while connection.outbox.pendingCount <= pauseAt {
                guard let message = try connection.decoder.nextClientMessage() else {
                    connection.deadlines.didRead(at: reactor.now, hasPartialFrame: connection.hasPartialFrame)
                    return true
                }
                handle(message, from: connection)
                if server.isStopping || slots[connection.slot] !== connection { return false }
            }
        } catch {
            reject(connection, error)
            return false
        }
        // Paused by its own unread answers, not by a slow frame: only the idle timeout runs.
        connection.deadlines.didRead(at: reactor.now, hasPartialFrame: false)
        pauseReading(connection)
        return false
    }

    /// Stops reading the connection until what waits for it drains below half the limit.
    private func pauseReading(_ connection: ChatConnection) {
        guard !connection.readPaused else { return }
        connection.readPaused = true
        server.noteBudgetPause()
        watch(connection)
    }

    private func handle(_ message: ChatClientMessage, from connection: ChatConnection) {
        if let refusal = configuration.limits.refusal(for: message) {
            deliver([.system(to: connection.member, text: refusal)])
            return
        }
        switch message {
        case .shutdown:
            guard configuration.shutdownPolicy.allows(peer: connection.peer) else {
                server.log("chat-server: /shutdown from \(connection.peerName) refused (policy \(configuration.shutdownPolicy.rawValue))")
                deliver([.system(to: connection.member, text: configuration.shutdownPolicy.refusal)])
                return
            }
            server.log("chat-server: /shutdown from \(connection.peerName); stopping")
            server.requestStop()
        case .chat:
            if let direct, direct.chat(fromRoute: connection.slot, fanout: { name, routes in
                guard case .chat(let text) = message else { return }
                fanOut(name: name, text: text, to: routes, except: connection.slot)
            }) {
                return
            }
            backend.handle(message, from: connection.member) { deliver($0) }
        default:
            backend.handle(message, from: connection.member) { deliver($0) }
        }
    }

    /// The chat-line fast path (one loop, in-process rooms): encodes the line once and appends
    /// it to every other member's outbox, reached by slot.
    private func fanOut(name: String, text: String, to routes: [Int], except sender: Int) {
        if fanOutFramed(name: name, text: text, to: routes, except: sender) { return }
        guard let bytes = cache.chatBytes(member: name, text: text) else {
            server.log("chat-server: a chat line from \(name) does not fit a frame; not sent")
            return
        }
        outputs.withUnsafeBufferPointer { outputs in
            for route in routes where route != sender {
                guard let output = outputs[route] else { continue }
                queue(bytes, to: output, slot: route)
            }
        }
    }

    /// The fan-out of a line the framer takes (the common case): framed once in its buffer,
    /// copied into each recipient's output. The loop touches no property of the worker (no
    /// exclusivity check or retain per recipient): the dirty list is moved out for it and back.
    /// - Returns: false, having queued nothing, when the framer declines the line.
    private func fanOutFramed(name: String, text: String, to routes: [Int], except sender: Int) -> Bool {
        var marked: [Int] = []
        swap(&marked, &dirty)
        defer { swap(&marked, &dirty) }
        return lineFramer.withFrame(member: name, text: text) { frame in
            outputs.withUnsafeBufferPointer { outputs in
                for route in routes where route != sender {
                    guard let output = outputs[route] else { continue }
                    if output.pointee.queue(frame) { marked.append(route) }
                }
            }
        }
    }

    /// Appends `bytes` to the output of the connection at `slot` (dropped once it overflowed)
    /// and marks it for the flush at the end of the turn.
    @inline(__always)
    private func queue(_ bytes: [UInt8], to output: UnsafeMutablePointer<ChatOutput>, slot: Int) {
        bytes.withUnsafeBufferPointer { queue($0, to: output, slot: slot) }
    }

    @inline(__always)
    private func queue(_ bytes: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<ChatOutput>, slot: Int) {
        if output.pointee.queue(bytes) { dirty.append(slot) }
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

    /// Queues each effect's bytes for its recipient. Called by the backend inside its critical
    /// section, so the bytes of every member are in room-operation order. With one loop and the
    /// in-process backend they go straight to the outbox; otherwise into the delivery table: a
    /// connection of this loop is flushed at the end of this iteration, another loop is asked to
    /// flush (and woken once, after the iteration).
    func deliver(_ effects: [ChatEffect]) {
        guard !effects.isEmpty else { return }
        if direct != nil {
            for effect in effects {
                guard let bytes = encode(effect), let id = Int(effect.recipient.rawValue),
                      let connection = connections[id] else { continue }
                queue(bytes, to: connection.output, slot: connection.slot)
            }
            return
        }
        server.delivery.withLock { table in
            for effect in effects {
                guard let bytes = encode(effect), let id = Int(effect.recipient.rawValue),
                      let owner = table.append(bytes, to: id) else { continue }
                if owner == index {
                    if let connection = connections[id] { markDirty(connection) }
                } else {
                    table.request(id, from: owner)
                    wakePeers[owner] = true
                }
            }
        }
    }

    private func encode(_ effect: ChatEffect) -> [UInt8]? {
        do {
            return try cache.bytes(for: effect.message)
        } catch {
            server.log("chat-server: cannot encode a message for member \(effect.recipient): \(error); not sent")
            return nil
        }
    }

    @inline(__always)
    func markDirty(_ connection: ChatConnection) {
        if !connection.output.pointee.isDirty {
            connection.output.pointee.isDirty = true
            dirty.append(connection.slot)
        }
    }

    /// Wakes the loops asked to flush something during this iteration.
    func signalPeers() {
        for owner in wakePeers.indices where wakePeers[owner] {
            wakePeers[owner] = false
            peers[owner].reactor.wakeup.signal()
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
        swap(&dirty, &flushing)
        defer { flushing.removeAll(keepingCapacity: true) }
        // Cleared before any flush: a close below may queue a notice for a later connection of
        // this batch, which must then be marked dirty again (its table flag was just reset).
        for slot in flushing { outputs[slot]?.pointee.isDirty = false }
        // With one loop and the local backend only `ChatServer.deliver` (another thread) uses the
        // table; it is looked at only once that happened.
        if direct == nil || server.hasExternalDeliveries {
            server.delivery.withLock { table in
                for slot in flushing {
                    guard let connection = slots[slot] else { continue }
                    if table.take(connection.id, into: &connection.outbox) { connection.output.pointee.overflowed = true }
                }
            }
        }
        // A connection closed by an earlier flush of this batch left its slot empty (a slot is
        // taken again only when a connection is accepted, never during a flush).
        for slot in flushing {
            if let connection = slots[slot] { flush(connection) }
        }
    }

    /// Writes what waits; watches for writability while some remains and for input while the
    /// budget allows; disconnects a reader that let more than the limit pile up.
    func flush(_ connection: ChatConnection) {
        let queued = connection.outbox.pendingCount
        if queued > peakQueued {
            peakQueued = queued
            server.notePeakQueued(queued)
        }
        guard writePending(connection) else { return }
        let outbox = connection.outbox
        if connection.output.pointee.overflowed || outbox.isOverLimit {
            server.noteSlowConsumer()
            close(connection, reason: "slow consumer: \(outbox.pendingCount) bytes waiting, over the limit of \(outbox.limit)",
                  abortive: true)
            return
        }
        if connection.readPaused, outbox.pendingCount <= configuration.maxPendingOutput / 2 {
            // Drained: its budget is back. Messages already read come first, then the socket.
            connection.readPaused = false
            guard handleDecoded(connection) else { return }
        }
        watch(connection)
    }

    /// Makes epoll watch what the connection needs: input unless its budget is spent, output
    /// while some waits.
    func watch(_ connection: ChatConnection) {
        var wanted: EPollEvents = connection.readPaused ? [] : .readable
        if !connection.outbox.isEmpty { wanted.insert(.writable) }
        guard wanted != connection.interest else { return }
        do {
            try reactor.epoll.modify(fd: connection.socket.fd, events: wanted, token: UInt64(connection.slot))
            connection.interest = wanted
        } catch {
            close(connection, reason: "cannot watch the connection: \(error)")
        }
    }

    /// Writes until the outbox is empty or the socket is full.
    /// - Returns: `false` when the write failed and the connection was closed.
    @discardableResult
    private func writePending(_ connection: ChatConnection) -> Bool {
        do {
            _ = try connection.outbox.write(to: connection.socket)
            return true
        } catch {
            close(connection, reason: "write failed: \(error)")
            return false
        }
    }

    // MARK: - Closing

    /// Closes one connection; its member leaves its room and the others are told. `reason`
    /// (nil for an orderly close by the peer) is logged. `abortive` resets it, so the kernel
    /// drops what it still holds for a peer that does not read (a slow consumer, a timeout).
    func close(_ connection: ChatConnection, reason: String?, abortive: Bool = false) {
        guard slots[connection.slot] === connection else { return }
        // An orderly close still gets the answers already produced (a failed write closes it).
        if reason == nil {
            _ = server.delivery.withLock { $0.take(connection.id, into: &connection.outbox) }
            if !writePending(connection) { return }
        }
        slots[connection.slot] = nil
        outputs[connection.slot] = nil
        freeSlots.append(connection.slot)
        connections[connection.id] = nil
        server.delivery.withLock { $0.close(connection.id) }
        try? reactor.epoll.unregister(fd: connection.socket.fd)
        if abortive { connection.socket.abort() } else { connection.socket.close() }
        connection.outbox.removeAll()
        if let reason { server.log("chat-server: closed connection \(connection.peerName): \(reason)") }
        if let direct {
            direct.disconnect(connection.member) { deliver($0) }
        } else {
            backend.disconnect(connection.member) { deliver($0) }
        }
    }

    /// Closes every connection without notices (the server is stopping).
    func closeEverything() {
        for case let connection? in slots {
            try? reactor.epoll.unregister(fd: connection.socket.fd)
            connection.socket.close()
        }
        slots.removeAll()
        outputs.removeAll()
        connections.removeAll()
        let mail = mailbox.withLock { box -> ChatServerMailbox in
            let taken = box
            box = ChatServerMailbox()
            return taken
        }
        for pending in mail.connections { pending.socket.close() }
    }
}
