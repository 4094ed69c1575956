import Foundation
import Glibc
import NetModel
import Synchronization

/// The standalone chat server of seed 004, compatible byte for byte with the course's client
/// (`docs/chat-protocol.md`), on NetModel's `SocketReactor` (the event loop the TCP network
/// runs on too) and its `OutboundBuffer`, `SocketReader`, `ListenerAcceptor` and
/// `ConnectionDeadlines`.
///
/// Threads: `configuration.workers` event loops (`ChatServerWorker`). The first also accepts
/// and hands new connections to the loops round-robin; a connection then lives on its loop.
/// The rooms are the `ChatBackend`'s (by default `LocalChatBackend`: `ChatRooms` behind one
/// lock). The backend hands each operation's messages to `deliver` under its lock; they are
/// encoded (a fan-out once) and queued per connection — with one loop and the in-process
/// backend straight into the outboxes (chat lines by the `ChatFanoutIndex` fast path), else in
/// the `ChatDeliveryTable` (its own lock) — so every member's bytes follow the order of the room
/// operations whichever loop ran them. Output is coalesced, one `write` per connection per
/// iteration; another loop is woken once per iteration. Limits: an input budget, idle and
/// partial-frame timeouts, accept back-off at the descriptor limit, bounded names, titles and
/// lines, `/rooms` split across frames, `/shutdown` by policy (docs/chat-server.md).
/// `/shutdown` (when allowed) or `requestStop()` makes every loop close its connections and
/// return; `wait()` joins them.
///
/// Order: every member sees the messages of its room in the order the room operations
/// happened, with one loop or several.
package final class ChatServer: @unchecked Sendable {
    /// The settings it was made with.
    package let configuration: ChatServerConfiguration
    /// Where the rooms live.
    package let backend: any ChatBackend
    let logSink: @Sendable (String) -> Void
    private let stopping = Atomic<Bool>(false)
    private let state = Mutex<(started: Bool, waited: Bool)>((false, false))
    /// Bytes read from clients so far (see `waitForBytesRead`).
    let readCounter = ChatReadCounter()
    /// Budget pauses so far, for tests to wait on (`waitForBudgetPause`).
    let budgetPauseCounter = ChatReadCounter()
    /// The bytes queued per connection (see `ChatDeliveryTable`).
    let delivery: Mutex<ChatDeliveryTable>
    private let counters = Mutex(ChatServerStats())
    private let externalDeliveries = Atomic<Bool>(false)

    /// Whether `deliver(_:)` was ever called (then every loop takes bytes from the delivery table).
    var hasExternalDeliveries: Bool { externalDeliveries.load(ordering: .relaxed) }
    private var listener: Socket?
    private var workers: [ChatServerWorker] = []
    private var threads: [ChatServerThread] = []
    /// The port it listens on (the chosen one when the configuration said 0); 0 before `start`.
    package private(set) var port = 0

    /// A server that is not listening yet.
    /// - Parameters:
    ///   - configuration: address, format, threads and limits.
    ///   - backend: the rooms (default: in-process `ChatRooms`).
    ///   - log: where log lines go (default: standard error).
    package init(
        configuration: ChatServerConfiguration, backend: any ChatBackend = LocalChatBackend(),
        log: @escaping @Sendable (String) -> Void = { line in
            var text = line + "\n"
            text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        }
    ) {
        self.configuration = configuration
        self.backend = backend
        self.logSink = log
        self.delivery = Mutex(ChatDeliveryTable(loops: max(configuration.workers, 1), limit: configuration.maxPendingOutput))
    }

    /// What the limits did so far.
    package var stats: ChatServerStats { counters.withLock { $0 } }

    func noteShed(_ count: Int) { counters.withLock { $0.clientsShed += count } }
    func noteTimeout() { counters.withLock { $0.timeouts += 1 } }
    func noteBudgetPause() {
        counters.withLock { $0.budgetPauses += 1 }
        budgetPauseCounter.add(1)
    }
    func noteSlowConsumer() { counters.withLock { $0.slowConsumers += 1 } }
    func notePeakQueued(_ bytes: Int) { counters.withLock { $0.peakQueuedBytes = max($0.peakQueuedBytes, bytes) } }

    /// Bytes read from every client so far, all connections together.
    package var bytesRead: Int { readCounter.value }

    /// Waits until the server has read at least `bytes` bytes from its clients in all (tests use
    /// it to pace input, e.g. to make every byte of a frame arrive in its own read).
    /// - Returns: whether it got there within `timeout`.
    package func waitForBytesRead(atLeast bytes: Int, timeout: Duration) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return readCounter.wait(atLeast: bytes, until: Date(timeIntervalSinceNow: seconds))
    }

    /// Waits until the server has paused reading a connection over its input budget at least once.
    /// - Returns: whether it did within `timeout`.
    package func waitForBudgetPause(timeout: Duration) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return budgetPauseCounter.wait(atLeast: 1, until: Date(timeIntervalSinceNow: seconds))
    }

    /// Whether a stop was requested.
    package var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func log(_ line: String) { logSink(line) }

    /// Binds the listening socket and starts the event loops; returns at once.
    /// - Throws: `ChatServerError` when the configuration is bad, the address cannot be bound,
    ///   or a loop cannot be set up; nothing is left running then.
    package func start() throws(ChatServerError) {
        try configuration.validate()
        let alreadyStarted = state.withLock { s -> Bool in
            defer { s.started = true }
            return s.started
        }
        guard !alreadyStarted else { throw .configuration("the server was already started") }
        signal(SIGPIPE, SIG_IGN)
        let socket: Socket
        do {
            socket = try Socket.listen(on: SocketAddress(host: configuration.host, port: UInt16(configuration.port)), backlog: 4096)
            port = Int(try socket.localAddress.port)
        } catch {
            throw .listen(host: configuration.host, port: configuration.port, reason: "\(error)")
        }
        listener = socket
        do {
            for index in 0..<configuration.workers {
                workers.append(try ChatServerWorker(index: index, configuration: configuration, backend: backend))
            }
        } catch {
            socket.close()
            throw error
        }
        for worker in workers {
            worker.peers = workers
            worker.server = self
        }
        workers[0].acceptor = ListenerAcceptor(listener: socket)
        do {
            for worker in workers {
                threads.append(try ChatServerThread { worker.run() })
            }
        } catch {
            requestStop()
            wait()
            throw error
        }
    }

    /// Asks every loop to stop (thread-safe, idempotent): they close their connections and
    /// return. `/shutdown` from a client calls this.
    package func requestStop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for worker in workers { worker.reactor.wakeup.signal() }
    }

    /// Waits until every loop has returned, then closes the listening socket and the loops'
    /// descriptors. Returns at once when called again.
    package func wait() {
        let first = state.withLock { s -> Bool in
            defer { s.waited = true }
            return !s.waited
        }
        guard first else { return }
        for thread in threads { thread.join() }
        listener?.close()
        for worker in workers {
            worker.reactor.close()
            worker.acceptor = nil
            worker.peers = []
        }
    }

    /// Sends effects produced outside a client's request (an asynchronous backend's deliveries)
    /// to their members' connections. Thread-safe.
    package func deliver(_ effects: [ChatEffect]) {
        guard !workers.isEmpty else { return }
        externalDeliveries.store(true, ordering: .releasing)
        var cache = ChatMessageCache(format: configuration.format)
        let encoded = effects.compactMap { effect -> (Int, [UInt8])? in
            guard let id = Int(effect.recipient.rawValue), let bytes = try? cache.bytes(for: effect.message) else { return nil }
            return (id, bytes)
        }
        var wake = Array(repeating: false, count: workers.count)
        delivery.withLock { table in
            for (id, bytes) in encoded {
                guard let owner = table.append(bytes, to: id) else { continue }
                table.request(id, from: owner)
                wake[owner] = true
            }
        }
        for (owner, needed) in wake.enumerated() where needed { workers[owner].reactor.wakeup.signal() }
    }
}

/// What a chat server's limits did since it started.
package struct ChatServerStats: Equatable, Sendable {
    /// Clients closed at once because the process was out of descriptors when they connected.
    package var clientsShed = 0
    /// Connections closed by the idle or the partial-frame timeout.
    package var timeouts = 0
    /// Times a connection was not read because more than half the output limit waited for it.
    package var budgetPauses = 0
    /// Connections closed because more than the output limit waited for them.
    package var slowConsumers = 0
    /// The most bytes seen waiting for one connection (at a flush, before writing).
    package var peakQueuedBytes = 0
}
