import NetModel

/// The bytes waiting for every connection of the server, guarded by the server's delivery lock.
///
/// Whoever produces output for a member (any event loop, or an asynchronous backend) appends
/// it here while the room logic's lock is still held, so every member's bytes are in the order
/// the room operations happened, whichever loop produced them. The loop that owns a connection
/// moves its bytes into the connection's outbox once per iteration and writes them there.
/// (A server with one loop and the in-process backend writes to the outboxes directly.)
///
/// Bounded: a connection's queue stops growing past `limit` bytes; it is then marked
/// overflowed, and the owner closes it as a slow consumer when it takes its bytes.
struct ChatDeliveryTable {
    struct Entry {
        /// The loop that owns the connection.
        let owner: Int
        /// Bytes appended since the owner last took them.
        var queued: [UInt8] = []
        /// Whether the owner has been asked to take them (in its own list or its requests).
        var flushRequested = false
        /// More than the limit was appended since the last take; later bytes were dropped.
        var overflowed = false
    }

    private var entries: [Int: Entry] = [:]
    /// For each loop, the connections of that loop with bytes queued by another thread.
    private var requests: [[Int]]
    /// The most bytes queued for one connection between two takes.
    let limit: Int

    /// A table for `loops` event loops, queueing at most `limit` bytes per connection.
    init(loops: Int, limit: Int = .max) {
        requests = Array(repeating: [], count: loops)
        self.limit = limit
    }

    /// Starts accepting bytes for connection `id`, owned by loop `owner`.
    mutating func open(_ id: Int, owner: Int) {
        entries[id] = Entry(owner: owner)
    }

    /// Forgets connection `id`; bytes still queued for it are dropped.
    mutating func close(_ id: Int) {
        entries[id] = nil
    }

    /// Appends `bytes` for connection `id` (nothing when it is closed; dropped past the limit).
    /// - Returns: the owning loop when it must now be asked to flush `id` (the first append
    ///   since its last take), or nil.
    mutating func append(_ bytes: [UInt8], to id: Int) -> Int? {
        guard var entry = entries.removeValue(forKey: id) else { return nil }
        defer { entries[id] = entry }
        if entry.queued.count + bytes.count > limit {
            entry.overflowed = true
        } else {
            entry.queued.append(contentsOf: bytes)
        }
        guard !entry.flushRequested else { return nil }
        entry.flushRequested = true
        return entry.owner
    }

    /// Records that loop `owner` must take connection `id`'s bytes (it was appended from
    /// another thread).
    mutating func request(_ id: Int, from owner: Int) {
        requests[owner].append(id)
    }

    /// Takes loop `owner`'s requests.
    /// - Returns: connection ids, in request order.
    mutating func takeRequests(of owner: Int) -> [Int] {
        guard !requests[owner].isEmpty else { return [] }
        let taken = requests[owner]
        requests[owner].removeAll(keepingCapacity: true)
        return taken
    }

    /// Moves connection `id`'s queued bytes to the end of `outbox`.
    /// - Returns: whether bytes were dropped for it since the last take (a slow consumer).
    @discardableResult
    mutating func take(_ id: Int, into outbox: inout OutboundBuffer) -> Bool {
        guard var entry = entries.removeValue(forKey: id) else { return false }
        defer { entries[id] = entry }
        entry.flushRequested = false
        let overflowed = entry.overflowed
        entry.overflowed = false
        guard !entry.queued.isEmpty else { return overflowed }
        outbox.append(entry.queued)
        entry.queued.removeAll(keepingCapacity: entry.queued.capacity <= 1 << 16)
        return overflowed
    }
}
