import Foundation
import Synchronization

/// Real TCP for the nodes of one process: one epoll reactor thread for every socket, a small
/// worker pool that decodes frames and calls handlers, the address book, and the counters.
/// Nodes attach to it and get a `TCPTransport`, the same `Transport` they use on the simulator.
///
/// Traffic between two nodes goes over one connection per pair, opened on first use by the
/// sender (it introduces itself with a hello frame) and reused in both directions; streams
/// are multiplexed over it. See docs/tcp-transport.md for the frame format and the threads.
///
/// Fault injection: `block(from:to:)` drops traffic from one local name to another and resets
/// their connections (streams end with `.partition`); `unblock` lifts it.
package final class TCPNetwork<Payload: NetworkPayload & Codable>: Sendable {
    /// Where nodes listen; attached nodes are entered and removed by the network itself.
    package let directory: TCPDirectory
    /// The settings it runs with.
    package let options: TCPOptions
    let reactor: TCPReactor
    let workers: TCPWorkerPool
    let statsBox: TCPStatsBox
    let blocks = TCPBlockList()
    /// The payload gate in force (only with authentication).
    let gate: TCPPayloadGate<Payload>?
    /// Whether `gate` is set (read on every send without touching the generic optional).
    let gated: Bool
    private let messageCounter = Atomic<UInt64>(0)
    private let attached = Mutex<Set<NodeName>>([])
    private let stopped = Atomic<Bool>(false)

    /// Starts the reactor and worker threads and raises the open-file limit.
    /// - Throws: `SocketError` when epoll or the wakeup descriptor cannot be made.
    /// - Parameter gate: with `options.authentication`, what payloads become at the network's
    ///   edge (ignored without authentication).
    package init(options: TCPOptions = TCPOptions(), directory: TCPDirectory = TCPDirectory(),
                gate: TCPPayloadGate<Payload>? = nil) throws {
        self.options = options
        self.gate = options.authentication == nil ? nil : gate
        gated = self.gate != nil
        self.directory = directory
        OpenFileLimit.raise(toAtLeast: options.openFileLimit)
        let stats = TCPStatsBox()
        statsBox = stats
        let reactor = try TCPReactor(options: options, directory: directory, stats: stats, blocks: blocks)
        self.reactor = reactor
        workers = TCPWorkerPool(
            workers: options.workers, limit: options.workerQueueLimit, stats: stats,
            onDrained: { [weak reactor] in reactor?.submit(.resume) },
            onUndecodable: { [weak reactor] token in
                reactor?.submit(.cutConnection(token: token, reason: "undecodable"))
            },
            onRefused: { [log = options.log] line in log?(line) })
        reactor.workers = workers
        reactor.start()
    }

    deinit { shutdown() }

    /// The counters so far.
    package var stats: TCPStats { statsBox.snapshot }

    /// Waits until the counters satisfy `condition` or `timeout` passes, woken by each change
    /// of them (no polling), for tools and tests that wait for traffic to be handled.
    /// `condition` runs on the calling thread; the network never waits here itself.
    /// - Returns: whether the counters satisfied `condition` in time.
    package func waitForStats(timeout: Duration, until condition: (TCPStats) -> Bool) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return statsBox.wait(until: Date(timeIntervalSinceNow: seconds), for: condition)
    }

    /// Attaches a node: opens its listener (when `listen` is given; port 0 picks a free port),
    /// enters its address in the directory, and returns its transport. `handler` is called on
    /// a worker thread, one call at a time per connection, in the order the peer sent.
    /// - Returns: the node's transport; `listenAddress` tells the port actually bound.
    /// - Throws: `SocketError` when the listener cannot be opened (port in use, bad host),
    ///   `TCPNetworkError.alreadyAttached` when `local` is attached and not detached,
    ///   `TCPNetworkError.shutDown` after `shutdown()`.
    package func attach(
        local: NodeName, listen: SocketAddress?,
        handler: @escaping @Sendable (Inbound<Payload>) -> Void
    ) throws -> TCPTransport<Payload> {
        guard reactor.isRunning else { throw TCPNetworkError.shutDown }
        guard attached.withLock({ $0.insert(local).inserted }) else {
            throw TCPNetworkError.alreadyAttached(local)
        }
        var listener: Socket?
        var ready = false
        defer { if !ready { _ = attached.withLock { $0.remove(local) } } }
        var bound: SocketAddress?
        if let listen {
            let socket = try Socket.listen(on: listen, backlog: options.backlog)
            listener = socket
            bound = try socket.localAddress
        }
        let node = TCPLocalNode(name: local, listener: listener, listenAddress: bound,
                                deliver: TCPNetwork.makeDeliver(for: local, codec: options.codec, gate: gate, handler: handler))
        if let bound { directory.set(bound, for: local) }
        guard reactor.submit(.attach(node)) else {
            listener?.close()
            throw TCPNetworkError.shutDown
        }
        ready = true
        return TCPTransport(network: self, node: node)
    }

    /// Drops every message from `from` to `to` (both names as seen by local nodes) until
    /// `unblock`, and resets their connections: streams between them end with `.partition`.
    package func block(from: NodeName, to: NodeName) {
        blocks.insert(from: from, to: to)
        reactor.submit(.cutLink(from, to))
    }

    /// Lets traffic from `from` to `to` through again (connections reopen on the next send).
    package func unblock(from: NodeName, to: NodeName) {
        blocks.remove(from: from, to: to)
    }

    /// Closes every socket, stops the reactor and the workers and waits for their threads.
    /// Queued work is dropped. Idempotent; transports are dead afterwards.
    package func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        reactor.stop()
        workers.stop()
    }

    /// Frees `name` for a later `attach` (after its transport detached).
    func released(_ name: NodeName) {
        _ = attached.withLock { $0.remove(name) }
    }

    /// A fresh message id, unique in this network.
    func makeMessageID() -> UInt64 { messageCounter.add(1, ordering: .relaxed).newValue }

    /// Encodes a payload for a frame body.
    func encode(_ payload: Payload) -> [UInt8]? {
        if gated, let gate { return encodeBody(gate.outbound(payload)) }
        return encodeBody(payload)
    }

    private func encodeBody(_ payload: Payload) -> [UInt8]? {
        switch options.codec {
        case .messagePack: try? MessagePackEncoder().encode(payload)
        case .json: (try? JSONEncoder().encode(payload)).map { [UInt8]($0) }
        }
    }

    private static func makeDeliver(
        for local: NodeName, codec: TCPPayloadCodec, gate: TCPPayloadGate<Payload>?,
        handler: @escaping @Sendable (Inbound<Payload>) -> Void
    ) -> @Sendable (TCPWorkEvent, TCPPeerKind) -> TCPDelivery {
        let decode: @Sendable ([UInt8]) -> Payload? = switch codec {
        case .messagePack: { try? MessagePackDecoder().decode(Payload.self, from: $0) }
        case .json: { try? JSONDecoder().decode(Payload.self, from: Data($0)) }
        }
        guard let gate else {
            // No gate (no authentication): the plain path, with no generic gate types on it.
            return { event, _ in
                switch event {
                case .message(let from, let id, let body):
                    guard let payload = decode(body) else { return .undecodable }
                    handler(.message(Envelope(source: from, destination: local, id: id, payload: payload)))
                case .streamOpened(let stream, let peer):
                    handler(.streamOpened(stream, peer: peer))
                case .streamMessage(let stream, let peer, let body):
                    guard let payload = decode(body) else { return .undecodable }
                    handler(.streamMessage(stream, peer: peer, payload))
                case .streamClosed(let stream, let peer, let reason):
                    handler(.streamClosed(stream, peer: peer, reason: reason))
                }
                return .delivered
            }
        }
        return { event, kind in
            func admit(_ body: [UInt8], from peer: NodeName, _ deliver: (Payload) -> Void) -> TCPDelivery {
                guard let payload = decode(body) else { return .undecodable }
                switch gate.inbound(payload, kind) {
                case .success(let admitted):
                    deliver(admitted)
                    return .delivered
                case .failure(let refusal):
                    return .refused("from \(peer): \(refusal)")
                }
            }
            switch event {
            case .message(let from, let id, let body):
                return admit(body, from: from) {
                    handler(.message(Envelope(source: from, destination: local, id: id, payload: $0)))
                }
            case .streamOpened(let stream, let peer):
                handler(.streamOpened(stream, peer: peer))
            case .streamMessage(let stream, let peer, let body):
                return admit(body, from: peer) { handler(.streamMessage(stream, peer: peer, $0)) }
            case .streamClosed(let stream, let peer, let reason):
                handler(.streamClosed(stream, peer: peer, reason: reason))
            }
            return .delivered
        }
    }
}

/// Why a `TCPNetwork` refused a request.
package enum TCPNetworkError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The network was shut down; make a new one.
    case shutDown
    /// A node of this name is attached already; detach it first (a restart is detach, then attach).
    case alreadyAttached(NodeName)

    /// What went wrong and what to do.
    package var description: String {
        switch self {
        case .shutDown: "the TCP network is shut down; create a new TCPNetwork to attach nodes"
        case .alreadyAttached(let name): "\(name) is already attached to this TCP network; detach it before attaching it again"
        }
    }
}
