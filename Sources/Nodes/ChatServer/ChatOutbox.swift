/// The bytes waiting to be written to one chat connection, bounded.
///
/// Messages for a connection are appended as they are produced during one event-loop
/// iteration and written with one `write` at its end (coalescing); what the socket does not
/// take stays here until the socket is writable again. A reader that falls behind makes the
/// buffer grow; past `limit` bytes the connection is a slow consumer and the server closes it
/// rather than let memory grow without bound.
struct ChatOutbox {
    /// The most bytes that may wait; appending beyond it sets `isOverLimit`.
    let limit: Int
    private(set) var storage: [UInt8] = []
    /// How many bytes at the front of `storage` were already written.
    private var written = 0

    /// An empty outbox holding at most `limit` unwritten bytes.
    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes appended and not yet written.
    var pendingCount: Int { storage.count - written }

    /// Whether nothing waits.
    var isEmpty: Bool { written == storage.count }

    /// Whether more than `limit` bytes wait (the reader is too slow).
    var isOverLimit: Bool { pendingCount > limit }

    /// Queues `bytes` after what already waits.
    mutating func append(_ bytes: [UInt8]) {
        storage.append(contentsOf: bytes)
    }

    /// Calls `body` with the unwritten bytes (never empty when `isEmpty` is false).
    /// - Returns: what `body` returns.
    func withPendingBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[written...]))
        }
    }

    /// Records that the first `count` unwritten bytes reached the socket.
    mutating func didWrite(_ count: Int) {
        written += count
        if written == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 16)
            written = 0
        } else if written >= 1 << 16, written >= storage.count / 2 {
            storage.removeFirst(written)
            written = 0
        }
    }
}
