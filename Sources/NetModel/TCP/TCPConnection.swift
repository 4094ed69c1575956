import Synchronization

/// Shared between the reactor and the workers: set when the reactor or a worker gave up on a
/// connection, so workers skip the frames of it still queued.
final class TCPConnectionTicket: Sendable {
    private let poisoned = Atomic<Bool>(false)

    var isPoisoned: Bool { poisoned.load(ordering: .acquiring) }

    func poison() { poisoned.store(true, ordering: .releasing) }
}

/// One TCP connection between a local node and a peer node, owned by the reactor thread (no
/// other thread touches it). Bidirectional: whichever side connected, both send on it.
final class TCPConnection {
    /// Where the connection is in its life.
    enum State: Equatable {
        /// Waiting out a reconnect back-off; no socket yet, frames queue.
        case backoff
        /// Non-blocking connect in progress; frames queue behind the hello.
        case connecting
        /// Accepted; the first frame must be the peer's hello.
        case awaitingHello
        /// Established.
        case open
        /// Closed; nothing more happens on it.
        case closed
    }

    /// The epoll token of this connection.
    let token: UInt64
    /// The local node it belongs to.
    let node: TCPLocalNode
    /// True when the local node opened it (and sent the hello).
    let isConnector: Bool
    /// The worker that gets this connection's frames, in order.
    let worker: Int
    let ticket = TCPConnectionTicket()

    var socket: Socket?
    var state: State
    /// The peer, known from the start when connecting and from the hello when accepted.
    var peer: NodeName?
    var decoder: TCPFrameDecoder
    /// Bytes waiting to be written.
    var outbound = OutboundBuffer()
    /// One-shot messages queued before the connection opened.
    var queuedMessages = 0
    /// Streams on this connection: wire id → the local node's id for it.
    var streams: [UInt64: StreamID] = [:]
    /// What epoll watches now.
    var interest: EPollEvents = []
    var registered = false
    /// Reading stopped because this connection's worker has too much queued.
    var paused = false
    /// Reading stopped because this connection's own outbound bytes are over half the limit
    /// (its input budget); it reads again once they drain.
    var budgetPaused = false
    /// The hello and partial-frame deadlines of an accepted connection (nil: none).
    var deadlines: ConnectionDeadlines?
    /// Queued for a flush at the end of the reactor's turn.
    var dirty = false
    /// In `.backoff` with a retry timer set (so a send does not connect early).
    var retryScheduled = false
    /// Who the peer is, as established by the hello or the handshake.
    var peerKind: TCPPeerKind = .unauthenticated
    /// The node handshake in progress (authentication only); nil when none or done.
    var handshake: TCPHandshake?
    /// The peer's incarnation, once authenticated.
    var peerIncarnation: UInt64 = 0
    /// MAC of frames this side sends, once authenticated.
    var sealer: TCPFrameMAC?
    /// MAC of frames the peer sends, once authenticated.
    var opener: TCPFrameMAC?
    /// Frames queued while the handshake runs (sealed once it is done).
    var held: [TCPFrame] = []

    init(token: UInt64, node: TCPLocalNode, isConnector: Bool, worker: Int, state: State,
         peer: NodeName?, socket: Socket?, maxFrameSize: Int) {
        self.token = token
        self.node = node
        self.isConnector = isConnector
        self.worker = worker
        self.state = state
        self.peer = peer
        self.socket = socket
        self.decoder = TCPFrameDecoder(maxFrameSize: maxFrameSize)
    }

    /// Bytes still to write.
    var pendingBytes: Int { outbound.pendingCount }

    /// The wire id of a stream this side opens with local id `id`: the id itself, with the top
    /// bit set when this side accepted the connection, so the two sides' ids never collide.
    func wireID(forOwn id: StreamID) -> UInt64 {
        isConnector ? id.rawValue : id.rawValue | (1 << 63)
    }

    /// Appends one frame to the outbound bytes: sealed with a MAC on an authenticated
    /// connection, held back while its handshake runs.
    func appendFrame(kind: TCPFrameKind, code: UInt8 = 0, streamID: UInt64, messageID: UInt64,
                     body: [UInt8]) {
        if sealer != nil {
            outbound.appendInPlace { bytes in
                sealer!.seal(kind: kind, code: code, streamID: streamID, messageID: messageID, body: body, into: &bytes)
            }
            return
        }
        if handshake != nil {
            held.append(TCPFrame(kind: kind, code: code, streamID: streamID, messageID: messageID, body: body))
            return
        }
        appendPlainFrame(kind: kind, code: code, streamID: streamID, messageID: messageID, body: body)
    }

    /// Appends one frame without a MAC (hellos, handshake frames, unauthenticated connections).
    func appendPlainFrame(kind: TCPFrameKind, code: UInt8 = 0, streamID: UInt64, messageID: UInt64,
                          body: [UInt8]) {
        outbound.appendInPlace { bytes in
            TCPFrame.appendHeader(kind: kind, code: code, streamID: streamID, messageID: messageID,
                                  bodyCount: body.count, to: &bytes)
            bytes.append(contentsOf: body)
        }
    }

    /// What epoll should watch in the current state.
    var wantedInterest: EPollEvents {
        switch state {
        case .backoff, .closed: []
        case .connecting: .writable
        case .awaitingHello, .open:
            (paused || budgetPaused ? [] : EPollEvents.readable).union(pendingBytes > 0 ? .writable : [])
        }
    }
}

/// Where a local stream lives: its connection, its id on the wire, and the peer.
struct TCPStreamRoute {
    let connection: TCPConnection
    let wireID: UInt64
    let peer: NodeName
}

/// A node attached to a `TCPNetwork`. Immutable parts are read from any thread; the mutable
/// parts are owned by the reactor thread.
final class TCPLocalNode: @unchecked Sendable {
    let name: NodeName
    /// Decodes a frame's payload, passes it through the network's gate (knowing who sent it) and
    /// calls the node's handler. Called on a worker thread.
    let deliver: @Sendable (TCPWorkEvent, TCPPeerKind) -> TCPDelivery
    let listener: Socket?
    let listenAddress: SocketAddress?
    /// This attachment's incarnation (random), bound into its authenticated connections.
    let incarnation = UInt64.random(in: 1...UInt64.max)
    private let streamCounter = Atomic<UInt64>(0)
    private let detachedFlag = Atomic<Bool>(false)

    // Reactor-owned.
    var listenerToken: UInt64 = 0
    /// The connection used to send to each peer.
    var links: [NodeName: TCPConnection] = [:]
    /// Every connection of this node (including accepted extras not in `links`), by token.
    var connections: [UInt64: TCPConnection] = [:]
    /// Every open stream of this node, by local id.
    var streams: [StreamID: TCPStreamRoute] = [:]
    /// Failed connects in a row per peer, and when the next attempt may start.
    var backoff: [NodeName: (failures: Int, notBefore: ContinuousClock.Instant)] = [:]

    init(name: NodeName, listener: Socket?, listenAddress: SocketAddress?,
         deliver: @escaping @Sendable (TCPWorkEvent, TCPPeerKind) -> TCPDelivery) {
        self.name = name
        self.listener = listener
        self.listenAddress = listenAddress
        self.deliver = deliver
    }

    /// A fresh local stream id (from 1), from any thread.
    func makeStreamID() -> StreamID {
        StreamID(streamCounter.add(1, ordering: .relaxed).newValue)
    }

    var isDetached: Bool { detachedFlag.load(ordering: .acquiring) }

    /// Marks the node detached.
    /// - Returns: false when it already was.
    func markDetached() -> Bool { !detachedFlag.exchange(true, ordering: .acquiringAndReleasing) }
}
