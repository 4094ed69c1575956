/// How a chat server listens and how much it lets a connection hold.
package struct ChatServerConfiguration: Sendable {
    /// The address to listen on (default `127.0.0.1`).
    package var host: String
    /// The port to listen on; 0 lets the system choose a free one (see `ChatServer.port`).
    package var port: Int
    /// The wire format every connection speaks.
    package var format: ChatWireFormat
    /// Event-loop threads (at least 1). The first also accepts; new connections are handed to
    /// the loops round-robin.
    package var workers: Int
    /// The largest frame body a client may send; a longer length prefix closes the connection.
    package var maxFrameBody: Int
    /// The most bytes that may wait to be written to one connection; a reader that lets more
    /// pile up is disconnected as a slow consumer, and a connection is not read while more than
    /// half of it waits for it (its input budget).
    package var maxPendingOutput: Int
    /// The size of one `read` from a socket.
    package var readChunk: Int
    /// The sizes of names, titles and chat lines a client may send.
    package var limits: ChatInputLimits
    /// Who may stop the server with `/shutdown`.
    package var shutdownPolicy: ChatShutdownPolicy
    /// Milliseconds without any input after which a connection is closed; nil never.
    package var idleTimeoutMilliseconds: Int?
    /// Milliseconds a frame may take from its first byte to its last (slowloris); nil without
    /// limit.
    package var partialFrameTimeoutMilliseconds: Int?

    /// A configuration; every value has a sensible default.
    package init(
        host: String = "127.0.0.1", port: Int = 0, format: ChatWireFormat = .json, workers: Int = 1,
        maxFrameBody: Int = 16 * 1024, maxPendingOutput: Int = 4 << 20, readChunk: Int = 64 * 1024,
        limits: ChatInputLimits = ChatInputLimits(), shutdownPolicy: ChatShutdownPolicy = .loopbackOnly,
        idleTimeoutMilliseconds: Int? = 600_000, partialFrameTimeoutMilliseconds: Int? = 10_000
    ) {
        self.host = host
        self.port = port
        self.format = format
        self.workers = workers
        self.maxFrameBody = maxFrameBody
        self.maxPendingOutput = maxPendingOutput
        self.readChunk = readChunk
        self.limits = limits
        self.shutdownPolicy = shutdownPolicy
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.partialFrameTimeoutMilliseconds = partialFrameTimeoutMilliseconds
    }

    /// Checks every value.
    /// - Throws: `ChatServerError.configuration` naming the first bad setting.
    func validate() throws(ChatServerError) {
        guard (0...65535).contains(port) else { throw .configuration("port \(port) is not in 0...65535") }
        guard (1...256).contains(workers) else { throw .configuration("workers \(workers) is not in 1...256") }
        guard (1...ChatWire.maxFrameBody).contains(maxFrameBody) else {
            throw .configuration("maxFrameBody \(maxFrameBody) is not in 1...\(ChatWire.maxFrameBody)")
        }
        guard maxPendingOutput >= 1024 else { throw .configuration("maxPendingOutput must be at least 1024 bytes") }
        guard readChunk >= 512 else { throw .configuration("readChunk must be at least 512 bytes") }
        if let idle = idleTimeoutMilliseconds, idle < 1 { throw .configuration("the idle timeout must be at least 1 ms") }
        if let partial = partialFrameTimeoutMilliseconds, partial < 1 {
            throw .configuration("the partial-frame timeout must be at least 1 ms")
        }
        try limits.validate()
    }
}
