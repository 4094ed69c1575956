/// The bytes waiting to be written to one connection, with a limit: the one outbound buffer of
/// every server of the project (node links in `TCPReactor`, chat clients in `ChatServer`).
///
/// Output is appended as it is produced and written with as few `send` calls as the socket
/// allows (coalescing); what the socket does not take stays here until it is writable again.
/// The owner decides what "over the limit" means for it: the TCP reactor cuts the peer as a slow
/// consumer, the chat server closes it and stops reading whoever feeds it (`SocketReader`'s
/// input budget).
package struct OutboundBuffer {
    /// The most bytes that may wait; beyond it `isOverLimit` is true.
    package var limit: Int
    private var storage: [UInt8] = []
    /// How many bytes at the front of `storage` were already written.
    private var written = 0

    /// An empty buffer holding at most `limit` unwritten bytes.
    package init(limit: Int = .max) {
        self.limit = limit
    }

    /// Bytes appended and not yet written.
    @inline(__always) package var pendingCount: Int { storage.count - written }

    /// Whether nothing waits.
    @inline(__always) package var isEmpty: Bool { written == storage.count }

    /// Whether more than `limit` bytes wait (the reader is too slow).
    @inline(__always) package var isOverLimit: Bool { pendingCount > limit }

    /// Queues `bytes` after what already waits.
    @inline(__always) package mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { storage.append(contentsOf: $0) }
    }

    /// Queues a copy of `bytes` after what already waits.
    @inline(__always) package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    /// Queues the bytes `body` appends to the end of the storage (e.g. a frame header written
    /// in place).
    @inline(__always) package mutating func appendInPlace(_ body: (inout [UInt8]) -> Void) {
        body(&storage)
    }

    /// Calls `body` with the unwritten bytes (never empty when `isEmpty` is false).
    /// - Returns: what `body` returns.
    package func withPendingBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[written...]))
        }
    }

    /// Records that the first `count` unwritten bytes reached the socket; releases memory once
    /// everything is written (keeping a capacity of up to 64 KiB) or when the written front
    /// grows large.
    package mutating func didWrite(_ count: Int) {
        written += count
        if written == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 16)
            written = 0
        } else if written >= 1 << 16, written >= storage.count / 2 {
            storage.removeFirst(written)
            written = 0
        }
    }

    /// Forgets every waiting byte and frees the memory (the connection closed).
    package mutating func removeAll() {
        storage = []
        written = 0
    }

    /// Writes what waits until it is all written or the socket is full.
    /// - Returns: the number of bytes written.
    /// - Throws: `SocketError` when the connection failed; the bytes written before stay
    ///   consumed.
    package mutating func write(to socket: Socket) throws -> Int {
        var total = 0
        while !isEmpty {
            let n = try withPendingBytes { try socket.write($0) }
            guard let n, n > 0 else { break }  // the socket is full
            total += n
            didWrite(n)
        }
        return total
    }
}
