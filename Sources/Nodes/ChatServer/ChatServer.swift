import Foundation
import Glibc
import NetModel
import Synchronization

/// The standalone chat server of seed 004, compatible byte for byte with the course's client
/// (`docs/chat-protocol.md`), on non-blocking sockets and epoll.
///
/// Threads: `configuration.workers` event loops (`ChatServerWorker`). The first also accepts
/// and hands new connections to the loops round-robin; a connection then lives on its loop.
/// The rooms are the `ChatBackend`'s (by default `LocalChatBackend`: `ChatRooms` behind one
/// lock). The backend hands each operation's messages to `deliver` under its lock; they are
/// encoded (a fan-out once) and queued per connection in the `ChatDeliveryTable` (its own
/// lock), so every member's bytes follow the order of the room operations whichever loop ran
/// them. The owning loop moves them to the connection's outbox and writes: output is
/// coalesced, one `write` per connection per iteration; another loop is woken once per
/// iteration. `/shutdown` from any client (or `requestStop()`) makes
/// every loop close its connections and return; `wait()` joins them.
///
/// Order: every member sees the messages of its room in the order the room operations
/// happened, with one loop or several.
public final class ChatServer: @unchecked Sendable {
    /// The settings it was made with.
    public let configuration: ChatServerConfiguration
    /// Where the rooms live.
    public let backend: any ChatBackend
    let logSink: @Sendable (String) -> Void
    private let stopping = Atomic<Bool>(false)
    private let state = Mutex<(started: Bool, waited: Bool)>((false, false))
    /// Bytes read from clients so far (see `waitForBytesRead`).
    let readCounter = ChatReadCounter()
    /// The bytes queued per connection (see `ChatDeliveryTable`).
    let delivery: Mutex<ChatDeliveryTable>
    private var listener: Socket?
    private var workers: [ChatServerWorker] = []
    private var threads: [ChatServerThread] = []
    /// The port it listens on (the chosen one when the configuration said 0); 0 before `start`.
    public private(set) var port = 0

    /// A server that is not listening yet.
    /// - Parameters:
    ///   - configuration: address, format, threads and limits.
    ///   - backend: the rooms (default: in-process `ChatRooms`).
    ///   - log: where log lines go (default: standard error).
    public init(
        configuration: ChatServerConfiguration, backend: any ChatBackend = LocalChatBackend(),
        log: @escaping @Sendable (String) -> Void = { line in
            var text = line + "\n"
            text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        }
    ) {
        self.configuration = configuration
        self.backend = backend
        self.logSink = log
        self.delivery = Mutex(ChatDeliveryTable(loops: max(configuration.workers, 1)))
    }

    /// Bytes read from every client so far, all connections together.
    public var bytesRead: Int { readCounter.value }

    /// Waits until the server has read at least `bytes` bytes from its clients in all (tests use
    /// it to pace input, e.g. to make every byte of a frame arrive in its own read).
    /// - Returns: whether it got there within `timeout`.
    public func waitForBytesRead(atLeast bytes: Int, timeout: Duration) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return readCounter.wait(atLeast: bytes, until: Date(timeIntervalSinceNow: seconds))
    }

    /// Whether a stop was requested.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func log(_ line: String) { logSink(line) }

    /// Binds the listening socket and starts the event loops; returns at once.
    /// - Throws: `ChatServerError` when the configuration is bad, the address cannot be bound,
    ///   or a loop cannot be set up; nothing is left running then.
    public func start() throws(ChatServerError) {
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
        workers[0].listener = socket
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
    public func requestStop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for worker in workers { worker.wakeup.signal() }
    }

    /// Waits until every loop has returned, then closes the listening socket and the loops'
    /// descriptors. Returns at once when called again.
    public func wait() {
        let first = state.withLock { s -> Bool in
            defer { s.waited = true }
            return !s.waited
        }
        guard first else { return }
        for thread in threads { thread.join() }
        listener?.close()
        for worker in workers {
            worker.wakeup.close()
            worker.epoll.close()
            worker.peers = []
        }
    }

    /// Sends effects produced outside a client's request (an asynchronous backend's deliveries)
    /// to their members' connections. Thread-safe.
    public func deliver(_ effects: [ChatEffect]) {
        guard !workers.isEmpty else { return }
        let encoded = effects.compactMap { effect -> (Int, [UInt8])? in
            guard let id = Int(effect.recipient.rawValue),
                  let bytes = try? ChatWire.encode(effect.message, format: configuration.format) else { return nil }
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
        for (owner, needed) in wake.enumerated() where needed { workers[owner].wakeup.signal() }
    }
}
