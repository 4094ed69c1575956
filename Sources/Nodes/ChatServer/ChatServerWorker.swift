import Glibc
import NetModel
import Synchronization

/// What the accepting loop hands to another loop: connections accepted for it.
struct ChatServerMailbox {
    var connections: [(id: Int, socket: Socket, peerName: String)] = []
}

/// One event loop of the chat server: an epoll instance, a wake-up eventfd, and the
/// connections it owns.
///
/// Thread confinement: everything but `mailbox` and `wakeup` is touched only by the loop's own
/// thread. Other threads append to `mailbox`, or queue bytes for its connections in the
/// server's `ChatDeliveryTable`, and signal `wakeup`.
final class ChatServerWorker: @unchecked Sendable {
    static let listenerToken = UInt64.max
    static let wakeupToken = UInt64.max - 1

    let index: Int
    let configuration: ChatServerConfiguration
    let backend: any ChatBackend
    let epoll: EPoll
    let wakeup: Wakeup
    let mailbox = Mutex(ChatServerMailbox())
    /// Set once by `ChatServer.start` before the thread runs: every loop, in index order.
    var peers: [ChatServerWorker] = []
    unowned(unsafe) var server: ChatServer!

    // Loop-confined state.
    var connections: [Int: ChatConnection] = [:]
    /// Connections of this loop with bytes queued in the delivery table, to flush this iteration.
    var dirty: [ChatConnection] = []
    /// Loops asked (through the delivery table) to flush a connection this iteration.
    var wakePeers: [Bool] = []
    var cache: ChatMessageCache
    let readBuffer: UnsafeMutableRawBufferPointer
    /// The listening socket (first loop only).
    var listener: Socket?
    var listenerWatched = false
    /// The next connection number (first loop only: it is the one that accepts).
    var nextConnectionID = 0

    init(index: Int, configuration: ChatServerConfiguration, backend: any ChatBackend) throws(ChatServerError) {
        self.index = index
        self.configuration = configuration
        self.backend = backend
        do {
            epoll = try EPoll(maxEvents: 512)
            wakeup = try Wakeup()
            try epoll.register(fd: wakeup.fd, events: .readable, token: Self.wakeupToken)
        } catch {
            throw .eventLoop("\(error)")
        }
        cache = ChatMessageCache(format: configuration.format)
        readBuffer = .allocate(byteCount: configuration.readChunk, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// Runs the loop until the server stops, then closes every connection it owns.
    func run() {
        wakePeers = Array(repeating: false, count: peers.count)
        if let listener {
            watchListener(listener, true)
        }
        var events: [EPollEvent] = []
        events.reserveCapacity(epoll.maxEvents)
        while !server.isStopping {
            do {
                try epoll.wait(timeoutMilliseconds: -1, into: &events)
            } catch {
                server.log("chat-server: event loop \(index) failed to wait: \(error); stopping the server")
                server.requestStop()
                break
            }
            for event in events {
                let flags = event.events
                switch event.token {
                case Self.listenerToken: acceptAll()
                case Self.wakeupToken:
                    wakeup.drain()
                    drainMailbox()
                    takeFlushRequests()
                default:
                    guard let connection = connections[Int(event.token)] else { continue }
                    if flags.contains(.writable) { flush(connection) }
                    if flags.contains(.readable) || flags.contains(.hangup) || flags.contains(.error) {
                        if connections[connection.id] === connection { readAvailable(connection) }
                    }
                }
            }
            flushDirty()
            signalPeers()
        }
        closeEverything()
    }

    // MARK: - Accepting

    func watchListener(_ listener: Socket, _ watch: Bool) {
        guard watch != listenerWatched else { return }
        do {
            if watch {
                try epoll.register(fd: listener.fd, events: .readable, token: Self.listenerToken)
            } else {
                try epoll.unregister(fd: listener.fd)
            }
            listenerWatched = watch
        } catch {
            server.log("chat-server: cannot \(watch ? "watch" : "unwatch") the listening socket: \(error)")
        }
    }

    /// Accepts every pending connection and hands each to a loop, round-robin.
    private func acceptAll() {
        guard let listener else { return }
        while true {
            let accepted: Socket?
            do {
                accepted = try listener.accept()
            } catch {
                // Out of descriptors: stop watching the listener (it would stay readable and spin)
                // until a connection closes.
                server.log("chat-server: cannot accept a connection: \(error); pausing accepts until one closes")
                watchListener(listener, false)
                return
            }
            guard let socket = accepted else { return }
            let id = nextConnectionID
            nextConnectionID += 1
            let address = try? socket.remoteAddress
            let name = ChatConnection.peerName(host: address?.host ?? "?", port: Int(address?.port ?? 0))
            let owner = id % peers.count
            if owner == index {
                adopt(id: id, socket: socket, peerName: name)
            } else {
                peers[owner].mailbox.withLock { $0.connections.append((id, socket, name)) }
                peers[owner].wakeup.signal()
            }
        }
    }

    /// Takes a new connection into this loop and connects its member.
    func adopt(id: Int, socket: Socket, peerName: String) {
        let connection = ChatConnection(id: id, socket: socket, peerName: peerName, configuration: configuration)
        socket.setNoDelay()
        do {
            try epoll.register(fd: socket.fd, events: .readable, token: UInt64(id))
        } catch {
            server.log("chat-server: cannot watch connection \(peerName): \(error); closing it")
            socket.close()
            return
        }
        connections[id] = connection
        server.delivery.withLock { $0.open(id, owner: index) }
        backend.connect(connection.member, name: peerName) { deliver($0) }
    }

    private func drainMailbox() {
        let mail = mailbox.withLock { box -> ChatServerMailbox in
            let taken = box
            box = ChatServerMailbox()
            return taken
        }
        for (id, socket, name) in mail.connections { adopt(id: id, socket: socket, peerName: name) }
    }

    /// Marks for flushing the connections other threads queued bytes for.
    private func takeFlushRequests() {
        let ids = server.delivery.withLock { $0.takeRequests(of: index) }
        for id in ids {
            if let connection = connections[id] { markDirty(connection) }
        }
    }
}
