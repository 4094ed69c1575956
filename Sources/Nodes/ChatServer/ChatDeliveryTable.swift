/// The bytes waiting for every connection of the server, guarded by the server's delivery lock.
///
/// Whoever produces output for a member (any event loop, or an asynchronous backend) appends
/// it here while the room logic's lock is still held, so every member's bytes are in the order
/// the room operations happened, whichever loop produced them. The loop that owns a connection
/// moves its bytes into the connection's outbox once per iteration and writes them there.
struct ChatDeliveryTable {
    struct Entry {
        /// The loop that owns the connection.
        let owner: Int
        /// Bytes appended since the owner last took them.
        var queued: [UInt8] = []
        /// Whether the owner has been asked to take them (in its own list or its requests).
        var flushRequested = false
    }

    private var entries: [Int: Entry] = [:]
    /// For each loop, the connections of that loop with bytes queued by another thread.
    private var requests: [[Int]]

    /// A table for `loops` event loops.
    init(loops: Int) {
        requests = Array(repeating: [], count: loops)
    }

    /// Starts accepting bytes for connection `id`, owned by loop `owner`.
    mutating func open(_ id: Int, owner: Int) {
        entries[id] = Entry(owner: owner)
    }

    /// Forgets connection `id`; bytes still queued for it are dropped.
    mutating func close(_ id: Int) {
        entries[id] = nil
    }

    /// Appends `bytes` for connection `id` (nothing when it is closed).
    /// - Returns: the owning loop when it must now be asked to flush `id` (the first append
    ///   since its last take), or nil.
    mutating func append(_ bytes: [UInt8], to id: Int) -> Int? {
        guard entries[id] != nil else { return nil }
        entries[id]!.queued.append(contentsOf: bytes)
        guard !entries[id]!.flushRequested else { return nil }
        entries[id]!.flushRequested = true
        return entries[id]!.owner
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
    mutating func take(_ id: Int, into outbox: inout ChatOutbox) {
        guard entries[id] != nil else { return }
        entries[id]!.flushRequested = false
        guard !entries[id]!.queued.isEmpty else { return }
        outbox.append(entries[id]!.queued)
        entries[id]!.queued.removeAll(keepingCapacity: true)
    }
}
