import Glibc
import NetModel
import Synchronization

/// What the accepting loop hands to another loop: connections accepted for it.
struct ChatServerMailbox {
    var connections: [(id: Int, socket: Socket)] = []
}

/// One event loop of the chat server: a `SocketReactor` (the project's one event loop, shared
/// with the TCP network) and the connections it owns, as the reactor's handler.
///
/// Thread confinement: everything but `mailbox` and the reactor's wake-up is touched only by the
/// loop's own thread. Other threads append to `mailbox`, or queue bytes for its connections in
/// the server's `ChatDeliveryTable`, and signal the wake-up.
final class ChatServerWorker: @unchecked Sendable {
    static let listenerToken = UInt64.max - 1

    let index: Int
    let configuration: ChatServerConfiguration
    let backend: any ChatBackend
    /// The in-process backend when this is the server's only loop: chat lines then take the
    /// fast path and every output goes straight to the outboxes (no delivery table).
    let direct: LocalChatBackend?
    let reactor: SocketReactor
    let mailbox = Mutex(ChatServerMailbox())
    /// Set once by `ChatServer.start` before the thread runs: every loop, in index order.
    var peers: [ChatServerWorker] = []
    unowned(unsafe) var server: ChatServer!

    // Loop-confined state.
    /// Connections by slot (the epoll token); nil marks a free slot.
    var slots: [ChatConnection?] = []
    var freeSlots: [Int] = []
    /// Connections by id (the member id's number), for output addressed by member.
    var connections: [Int: ChatConnection] = [:]
    /// Each slot's output (nil for a free slot): what a fan-out writes to.
    var outputs: [UnsafeMutablePointer<ChatOutput>?] = []
    /// Slots of the connections with output queued this turn, to flush at its end.
    var dirty: [Int] = []
    /// The slots being flushed (`dirty` of the previous round; reused, never reallocated).
    var flushing: [Int] = []
    /// Loops asked (through the delivery table) to flush a connection this iteration.
    var wakePeers: [Bool] = []
    var cache: ChatMessageCache
    /// Frames the chat lines of the fast path (one reusable buffer).
    var lineFramer: ChatLineFramer
    let reader: SocketReader
    /// The listening socket's acceptor (first loop only).
    var acceptor: ListenerAcceptor?
    var listenerWatched = false
    /// When the listener is watched again after an accept back-off.
    var listenerPausedUntil: Int64?
    /// The next connection number (first loop only: it is the one that accepts).
    var nextConnectionID = 0
    /// The most bytes seen waiting for one connection of this loop.
    var peakQueued = 0
    /// When the connections' deadlines are next checked.
    var nextSweep: Int64 = 0
    var hasDeadlines: Bool {
        configuration.idleTimeoutMilliseconds != nil || configuration.partialFrameTimeoutMilliseconds != nil
    }

    init(index: Int, configuration: ChatServerConfiguration, backend: any ChatBackend) throws(ChatServerError) {
        self.index = index
        self.configuration = configuration
        self.backend = backend
        direct = configuration.workers == 1 ? backend as? LocalChatBackend : nil
        do {
            reactor = try SocketReactor(maxEvents: 512)
        } catch {
            throw .eventLoop("\(error)")
        }
        cache = ChatMessageCache(format: configuration.format)
        lineFramer = ChatLineFramer(format: configuration.format)
        reader = SocketReader(chunk: configuration.readChunk, maxReads: 16)
    }

    deinit { reader.deallocate() }

    /// Runs the loop until the server stops, then closes every connection it owns.
    func run() {
        wakePeers = Array(repeating: false, count: peers.count)
        if acceptor != nil { watchListener(true) }
        nextSweep = reactor.now + 1_000
        reactor.run(self)
        closeEverything()
    }

    // MARK: - Accepting

    func watchListener(_ watch: Bool) {
        guard let acceptor, watch != listenerWatched else { return }
        do {
            if watch {
                try reactor.epoll.register(fd: acceptor.listener.fd, events: .readable, token: Self.listenerToken)
            } else {
                try reactor.epoll.unregister(fd: acceptor.listener.fd)
            }
            listenerWatched = watch
        } catch {
            server.log("chat-server: cannot \(watch ? "watch" : "unwatch") the listening socket: \(error)")
        }
    }

    /// Accepts pending connections (at most 256 per turn) and hands each to a loop, round-robin.
    /// At the descriptor limit the clients waiting are closed at once; if even that fails the
    /// listener rests for 100 ms (accept back-off) instead of spinning.
    private func acceptAll() {
        guard let acceptor else { return }
        for _ in 0..<256 {
            switch acceptor.acceptNext() {
            case .drained: return
            case .exhausted(let error, let shed, let pause):
                server.noteShed(shed)
                server.log("chat-server: cannot accept a connection: \(error); closed \(shed) waiting client\(shed == 1 ? "" : "s")\(pause ? "; accepting again in \(acceptor.backoffMilliseconds) ms" : "")")
                if pause {
                    watchListener(false)
                    listenerPausedUntil = reactor.now + acceptor.backoffMilliseconds
                }
                return
            case .accepted(let socket):
                let id = nextConnectionID
                nextConnectionID += 1
                let owner = id % peers.count
                if owner == index {
                    adopt(id: id, socket: socket)
                } else {
                    peers[owner].mailbox.withLock { $0.connections.append((id, socket)) }
                    peers[owner].reactor.wakeup.signal()
                }
            }
        }
    }

    /// Takes a new connection into this loop and connects its member.
    func adopt(id: Int, socket: Socket) {
        let slot = freeSlots.popLast() ?? slots.count
        if slot == slots.count {
            slots.append(nil)
            outputs.append(nil)
        }
        let connection = ChatConnection(id: id, slot: slot, socket: socket, peer: try? socket.remoteAddress,
                                        configuration: configuration, now: reactor.now)
        socket.setNoDelay()
        do {
            try reactor.epoll.register(fd: socket.fd, events: .readable, token: UInt64(slot))
        } catch {
            server.log("chat-server: cannot watch connection \(connection.peerName): \(error); closing it")
            socket.close()
            freeSlots.append(slot)
            return
        }
        slots[slot] = connection
        outputs[slot] = connection.output
        connections[id] = connection
        server.delivery.withLock { $0.open(id, owner: index) }
        if let direct {
            direct.connect(connection.member, name: connection.peerName, route: slot) { deliver($0) }
        } else {
            backend.connect(connection.member, name: connection.peerName) { deliver($0) }
        }
    }

    private func drainMailbox() {
        let mail = mailbox.withLock { box -> ChatServerMailbox in
            let taken = box
            box = ChatServerMailbox()
            return taken
        }
        for (id, socket) in mail.connections { adopt(id: id, socket: socket) }
    }

    /// Marks for flushing the connections other threads queued bytes for.
    private func takeFlushRequests() {
        let ids = server.delivery.withLock { $0.takeRequests(of: index) }
        for id in ids {
            if let connection = connections[id] { markDirty(connection) }
        }
    }

    /// Closes the connections past a deadline (idle, or a frame left unfinished); checked
    /// once a second.
    private func sweepDeadlines() {
        guard hasDeadlines, reactor.now >= nextSweep else { return }
        nextSweep = reactor.now + 1_000
        var expired: [(ChatConnection, String)] = []
        for case let connection? in slots {
            if let reason = connection.deadlines.expiry(at: reactor.now) { expired.append((connection, reason)) }
        }
        for (connection, reason) in expired {
            server.noteTimeout()
            close(connection, reason: reason, abortive: true)
        }
    }
}

extension ChatServerWorker: SocketReactorHandler {
    func reactor(_ reactor: SocketReactor, didReport event: EPollEvent) {
        if event.token == Self.listenerToken {
            acceptAll()
            return
        }
        let slot = Int(truncatingIfNeeded: event.token)
        guard slot < slots.count, let connection = slots[slot] else { return }
        let flags = event.events
        if flags.contains(.writable) { flush(connection) }
        if !flags.isDisjoint(with: .readableOrClosed), slots[slot] === connection {
            readAvailable(connection)
        }
    }

    func reactorWasWoken(_ reactor: SocketReactor) {
        drainMailbox()
        takeFlushRequests()
    }

    func reactorDidFinishTurn(_ reactor: SocketReactor) -> Bool {
        flushDirty()
        signalPeers()
        if let until = listenerPausedUntil, reactor.now >= until {
            listenerPausedUntil = nil
            watchListener(true)
        }
        sweepDeadlines()
        flushDirty()
        return !server.isStopping
    }

    func reactorTimeout(_ reactor: SocketReactor) -> Int32 {
        var timeout: Int32 = hasDeadlines ? reactor.timeout(until: nextSweep) : -1
        if let until = listenerPausedUntil {
            let left = reactor.timeout(until: until)
            timeout = timeout < 0 ? left : min(timeout, left)
        }
        return timeout
    }

    func reactor(_ reactor: SocketReactor, didFail error: SocketError) {
        server.log("chat-server: event loop \(index) failed to wait: \(error); stopping the server")
        server.requestStop()
    }
}
