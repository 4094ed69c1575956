import Foundation
import Synchronization

/// A request to the reactor thread from a node, a worker or the network.
enum TCPCommand: @unchecked Sendable {
    case attach(TCPLocalNode)
    case detach(TCPLocalNode, done: DispatchSemaphore)
    case send(TCPLocalNode, to: NodeName, messageID: UInt64, body: [UInt8])
    case openStream(TCPLocalNode, StreamID, to: NodeName)
    case streamSend(TCPLocalNode, StreamID, messageID: UInt64, body: [UInt8])
    case closeStream(TCPLocalNode, StreamID)
    /// A worker found an undecodable frame on this connection.
    case cutConnection(token: UInt64, reason: String)
    /// Traffic from the first name to the second is now blocked: reset their connections.
    case cutLink(NodeName, NodeName)
    /// A worker drained: paused connections may read again.
    case resume
    case shutdown
}

/// The one I/O thread of a `TCPNetwork`: a `SocketReactor` loop over every listener and
/// connection of every attached node, whose wake-up other threads use to hand it commands. All
/// connection and stream state lives here and is touched by this thread only.
final class TCPReactor: @unchecked Sendable {
    enum Registered {
        case listener(TCPLocalNode, ListenerAcceptor)
        case connection(TCPConnection)
    }

    let options: TCPOptions
    let directory: TCPDirectory
    let stats: TCPStatsBox
    let blocks: TCPBlockList
    /// The event loop (epoll, wake-up, clock) shared with the chat server's loops.
    let core: SocketReactor
    var epoll: EPoll { core.epoll }
    var wakeup: Wakeup { core.wakeup }
    var workers: TCPWorkerPool!

    private struct CommandQueue {
        var items: [TCPCommand] = []
        var accepting = true
    }

    private let commands = Mutex(CommandQueue())
    private let running = Atomic<Bool>(true)
    private let exited = DispatchSemaphore(value: 0)
    private var reactorThread: Thread?

    // Reactor-owned.
    var registry: [UInt64: Registered] = [:]
    var nextToken: UInt64 = 1
    var nodes: [ObjectIdentifier: TCPLocalNode] = [:]
    var dirty: [TCPConnection] = []
    var paused: [TCPConnection] = []
    var retries: [(at: ContinuousClock.Instant, node: TCPLocalNode, peer: NodeName)] = []
    /// Listeners not watched for a while after an accept failed (e.g. out of descriptors).
    var listenerRetries: [(at: ContinuousClock.Instant, node: TCPLocalNode)] = []
    var random: SeededRandom
    let backoffPolicy: TCPBackoff
    let reader = SocketReader(chunk: 1 << 16, maxReads: 16)
    /// When the connections' deadlines are next checked (`SocketReactor.now` milliseconds).
    var nextDeadlineSweep: Int64 = 0

    init(options: TCPOptions, directory: TCPDirectory, stats: TCPStatsBox, blocks: TCPBlockList) throws {
        self.options = options
        self.directory = directory
        self.stats = stats
        self.blocks = blocks
        core = try SocketReactor(maxEvents: 512)
        random = SeededRandom(seed: options.jitterSeed)
        backoffPolicy = TCPBackoff(baseMilliseconds: options.reconnectBaseMilliseconds,
                                   capMilliseconds: options.reconnectCapMilliseconds)
    }

    deinit {
        reader.deallocate()
        core.close()
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in
            loop()
            exited.signal()
        }
        thread.name = "tcp-reactor"
        reactorThread = thread
        thread.start()
    }

    /// Whether the reactor still takes commands.
    var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Whether the caller runs on the reactor's thread (a handler called inline, `TCPOptions.workers` 0).
    var isCurrentThread: Bool { reactorThread === Thread.current }

    /// Hands a command to the reactor thread.
    /// - Returns: false when the reactor has stopped (the command is not run).
    @discardableResult
    func submit(_ command: TCPCommand) -> Bool {
        let outcome = commands.withLock { queue -> (accepted: Bool, wasEmpty: Bool) in
            guard queue.accepting else { return (false, false) }
            let empty = queue.items.isEmpty
            queue.items.append(command)
            return (true, empty)
        }
        if outcome.wasEmpty { wakeup.signal() }
        return outcome.accepted
    }

    /// Stops the loop (closing every socket) and waits for the thread to end. Commands submitted
    /// before run first; later ones are refused. Idempotent.
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        commands.withLock {
            $0.accepting = false
            $0.items.append(.shutdown)
        }
        wakeup.signal()
        if reactorThread !== Thread.current { exited.wait() }  // (a log callback may stop it)
    }

    private func loop() {
        core.run(self)
    }

    private var batch: [TCPCommand] = []

    /// The commands handed over since the last turn, then retries, deadlines and flushes.
    /// - Returns: false after a `.shutdown` (the loop ends).
    fileprivate func finishTurn() -> Bool {
        commands.withLock { swap(&batch, &$0.items) }
        defer { batch.removeAll(keepingCapacity: true) }
        for command in batch {
            if case .shutdown = command {
                finish()
                return false
            }
            run(command)
        }
        runDueRetries()
        sweepDeadlines()
        flushDirty()
        return true
    }

    /// Ends the loop: refuses further commands, releases waiting `detach` callers, closes every
    /// socket.
    fileprivate func finish() {
        running.store(false, ordering: .releasing)
        let left = commands.withLock { queue -> [TCPCommand] in
            queue.accepting = false
            defer { queue.items.removeAll() }
            return queue.items
        }
        for case .detach(_, let done) in left { done.signal() }
        closeEverything()
    }

    private func run(_ command: TCPCommand) {
        switch command {
        case .attach(let node): register(node)
        case .detach(let node, let done):
            detachNow(node)
            done.signal()
        case .send(let node, let peer, let id, let body): sendMessage(from: node, to: peer, id: id, body: body)
        case .openStream(let node, let stream, let peer): openStream(stream, from: node, to: peer)
        case .streamSend(let node, let stream, let id, let body): sendOnStream(stream, from: node, id: id, body: body)
        case .closeStream(let node, let stream): closeStream(stream, by: node)
        case .cutConnection(let token, let reason):
            if case .connection(let connection)? = registry[token] {
                cut(connection, reason: reason, detail: "a frame payload did not decode", streams: .reset, poison: true)
            }
        case .cutLink(let from, let to): cutLinks(between: from, and: to)
        case .resume: resumePaused()
        case .shutdown: break
        }
    }

    /// Gives a fresh epoll token.
    func makeToken() -> UInt64 {
        defer { nextToken += 1 }
        return nextToken
    }

    private func register(_ node: TCPLocalNode) {
        nodes[ObjectIdentifier(node)] = node
        guard let listener = node.listener else { return }
        let token = makeToken()
        node.listenerToken = token
        do {
            try epoll.register(fd: listener.fd, events: .readable, token: token)
            registry[token] = .listener(node, ListenerAcceptor(listener: listener))
        } catch {
            options.log?("tcp: cannot watch the listener of \(node.name): \(error)")
        }
    }

    // MARK: retries

    /// Milliseconds until the earliest retry or deadline check is due (-1 when none).
    fileprivate func retryTimeout() -> Int32 {
        let instants = retries.map(\.at) + listenerRetries.map(\.at)
        let sweep: Int32 = hasDeadlines ? core.timeout(until: nextDeadlineSweep) : -1
        guard let earliest = instants.min() else { return sweep }
        let left = ContinuousClock.now.duration(to: earliest)
        if left <= .zero { return 0 }
        let ms = Int32(clamping: left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
        return sweep < 0 ? ms : min(ms, sweep)
    }

    func scheduleRetry(_ node: TCPLocalNode, _ peer: NodeName, at instant: ContinuousClock.Instant) {
        retries.append((at: instant, node: node, peer: peer))
    }

    private func runDueRetries() {
        guard !retries.isEmpty || !listenerRetries.isEmpty else { return }
        let now = ContinuousClock.now
        let listeners = listenerRetries.filter { $0.at <= now }
        listenerRetries.removeAll { $0.at <= now }
        for retry in listeners where !retry.node.isDetached {
            if let listener = retry.node.listener {
                try? epoll.modify(fd: listener.fd, events: .readable, token: retry.node.listenerToken)
            }
        }
        let due = retries.filter { $0.at <= now }
        guard !due.isEmpty else { return }
        retries.removeAll { $0.at <= now }
        for retry in due where !retry.node.isDetached {
            if let link = retry.node.links[retry.peer], link.state == .backoff {
                startConnect(link)
            }
        }
    }
}

extension TCPReactor: SocketReactorHandler {
    func reactor(_ reactor: SocketReactor, didReport event: EPollEvent) {
        switch registry[event.token] {
        case .listener(let node, let acceptor)?: acceptAll(on: node, acceptor)
        case .connection(let connection)?: handleIO(connection, event.events)
        case nil: break
        }
    }

    func reactorWasWoken(_ reactor: SocketReactor) {}

    func reactorDidFinishTurn(_ reactor: SocketReactor) -> Bool { finishTurn() }

    func reactorTimeout(_ reactor: SocketReactor) -> Int32 { retryTimeout() }

    func reactor(_ reactor: SocketReactor, didFail error: SocketError) {
        options.log?("tcp reactor: \(error); stopping")
        finish()
    }
}

/// Which (from, to) pairs of node names may not exchange traffic (fault injection).
final class TCPBlockList: Sendable {
    private struct Pair: Hashable {
        let from: NodeName
        let to: NodeName
    }

    private let pairs = Mutex<Set<Pair>>([])
    private let any = Atomic<Bool>(false)

    func contains(from: NodeName, to: NodeName) -> Bool {
        guard any.load(ordering: .acquiring) else { return false }
        return pairs.withLock { $0.contains(Pair(from: from, to: to)) }
    }

    func insert(from: NodeName, to: NodeName) {
        pairs.withLock {
            $0.insert(Pair(from: from, to: to))
            any.store(true, ordering: .releasing)
        }
    }

    func remove(from: NodeName, to: NodeName) {
        pairs.withLock {
            $0.remove(Pair(from: from, to: to))
            any.store(!$0.isEmpty, ordering: .releasing)
        }
    }

    func removeAll() {
        pairs.withLock {
            $0.removeAll()
            any.store(false, ordering: .releasing)
        }
    }
}
