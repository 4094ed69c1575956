import Glibc

extension Socket {
    /// Connects to `host:port` and waits until the connection is made (simple clients, the
    /// benchmark's set-up, tests). The socket stays non-blocking.
    /// - Returns: the connected socket.
    /// - Throws: `SocketError` when the address is bad, the connection is refused, or it is not
    ///   made within `timeoutMilliseconds` (`ETIMEDOUT`).
    package static func connect(host: String, port: Int, timeoutMilliseconds: Int32 = 5000) throws -> Socket {
        let address = SocketAddress(host: host, port: UInt16(clamping: port))
        let socket = try Socket.connect(to: address)
        guard try socket.waitUntil(.writable, timeoutMilliseconds: timeoutMilliseconds) else {
            socket.close()
            throw SocketError("connect(\(address))", code: ETIMEDOUT)
        }
        do {
            try socket.finishConnect()
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Writes every byte of `bytes`, waiting (up to `timeoutMilliseconds` each time) while the
    /// socket is full.
    /// - Throws: `SocketError` when the connection failed or stayed full too long (`ETIMEDOUT`).
    package func writeAll(_ bytes: [UInt8], timeoutMilliseconds: Int32 = 5000) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if let written {
                offset += written
            } else if try !waitUntil(.writable, timeoutMilliseconds: timeoutMilliseconds) {
                throw SocketError("write(fd \(fd))", code: ETIMEDOUT)
            }
        }
    }

    /// Reads what is available, waiting up to `timeoutMilliseconds` for something to arrive.
    /// - Returns: `.bytes(n)`, `.closed`, or `.wouldBlock` when nothing came in time.
    /// - Throws: `SocketError` when the connection failed.
    package func read(into buffer: UnsafeMutableRawBufferPointer, waitingUpTo timeoutMilliseconds: Int32) throws -> ReadResult {
        let result = try read(into: buffer)
        guard result == .wouldBlock, try waitUntil(.readable, timeoutMilliseconds: timeoutMilliseconds) else { return result }
        return try read(into: buffer)
    }

    /// Waits with `poll` until the socket is ready for `events` (`.readable` or `.writable`).
    /// - Returns: `false` when the time ran out first.
    /// - Throws: `SocketError` when `poll` fails.
    package func waitUntil(_ events: EPollEvents, timeoutMilliseconds: Int32) throws -> Bool {
        var entry = pollfd(fd: fd, events: 0, revents: 0)
        if events.contains(.readable) { entry.events |= Int16(POLLIN) }
        if events.contains(.writable) { entry.events |= Int16(POLLOUT) }
        while true {
            let n = poll(&entry, 1, timeoutMilliseconds)
            if n > 0 { return true }
            if n == 0 { return false }
            if errno != EINTR { throw SocketError.fromErrno("poll(fd \(fd))") }
        }
    }
}
