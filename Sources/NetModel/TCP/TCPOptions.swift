/// How payloads are encoded in frame bodies.
package enum TCPPayloadCodec: String, Sendable, CaseIterable {
    /// MessagePack (NetModel's `MessagePackEncoder`): compact, the default.
    case messagePack = "msgpack"
    /// JSON (Foundation): readable in a packet capture.
    case json
}

/// Settings of a `TCPNetwork`. The defaults suit a cluster on one machine.
package struct TCPOptions: Sendable {
    /// Largest frame accepted (the length field: header after it plus body). A peer sending more
    /// is disconnected; a local send of more is dropped (`oversized`). Default 1 MiB.
    package var maxFrameSize: Int = 1 << 20
    /// Most bytes waiting to be written on one connection; beyond it the peer is a slow consumer
    /// and is disconnected (its streams reset). Default 8 MiB.
    package var maxOutboundBytes: Int = 8 << 20
    /// Most one-shot messages queued for a peer while its connection is being opened or waits
    /// out a back-off; more are dropped (`queue-full`). Default 1,024.
    package var maxQueuedWhileConnecting: Int = 1_024
    /// Worker threads that decode frames and call handlers. Default 2. 0: the reactor's thread
    /// decodes and calls the handlers itself (one thread hand-off less per frame), for handlers
    /// that return at once, such as a node's, which only queue the payload for the node.
    package var workers: Int = 2
    /// Frames queued per worker before the reactor stops reading the connections feeding it
    /// (it resumes when the worker is down to half). Default 4,096.
    package var workerQueueLimit: Int = 4_096
    /// First reconnect delay after a failed connect, in milliseconds. Default 50.
    package var reconnectBaseMilliseconds: Int = 50
    /// Longest reconnect delay, in milliseconds. Default 2,000.
    package var reconnectCapMilliseconds: Int = 2_000
    /// Seed of the reconnect jitter (each delay is scaled by a factor in [0.5, 1.5)).
    package var jitterSeed: UInt64 = 0x7C9_5EED
    /// Payload encoding; both ends must agree. Default MessagePack.
    package var codec: TCPPayloadCodec = .messagePack
    /// The open-file limit the network raises the process to at start (as far as allowed).
    package var openFileLimit: Int = 65_536
    /// Milliseconds an accepted connection has to send its hello (its first frame) before it is
    /// closed (`timeout`); nil waits for ever. Default 10,000.
    package var helloTimeoutMilliseconds: Int? = 10_000
    /// Milliseconds a frame may take from its first byte to its last before the connection is
    /// closed (`timeout`: a slowloris peer); nil without limit. Default 30,000.
    package var partialFrameTimeoutMilliseconds: Int? = 30_000
    /// Listen backlog of attached nodes.
    package var backlog: Int32 = 1_024
    /// Node authentication: with a key, node-to-node connections run the challenge–response
    /// handshake and every later frame carries a MAC (docs/security.md); clients (role `client`)
    /// connect with a plain client hello and may never claim a server's name. nil (the default)
    /// trusts every hello, as tests and benchmarks of the transport alone do.
    package var authentication: TCPAuthentication?
    /// Called with a line for each connection closed for a reason worth knowing (protocol error,
    /// slow consumer); nil says nothing. May be called on the reactor thread.
    package var log: (@Sendable (String) -> Void)?

    /// The defaults.
    package init() {}
}
