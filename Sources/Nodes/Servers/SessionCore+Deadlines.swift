import NetModel

/// Keys by the instant something about them falls due, earliest first (ties by key): a binary
/// min-heap. Entries may go stale (what they were due for went away or moved later); the owner
/// checks an entry when it comes up, so nothing has to be found and removed early.
struct DeadlineQueue<Key: Comparable> {
    /// One entry.
    struct Entry {
        /// When it is due.
        var due: VirtualInstant
        /// What is due.
        var key: Key

        /// Whether it comes out before `other`: earlier, or as early with a smaller key.
        func precedes(_ other: Entry) -> Bool { due != other.due ? due < other.due : key < other.key }
    }

    private var heap: [Entry] = []

    /// How many entries are queued (stale ones included).
    var count: Int { heap.count }

    /// The earliest entry.
    var first: Entry? { heap.first }

    /// Queues `key` as due at `due`.
    mutating func insert(_ key: Key, at due: VirtualInstant) {
        heap.append(Entry(due: due, key: key))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest entry.
    mutating func removeFirst() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].precedes(heap[m]) { m = l }
            if r < heap.count, heap[r].precedes(heap[m]) { m = r }
            guard m != i else { break }
            heap.swapAt(i, m)
            i = m
        }
        return first
    }
}

// Retransmission and expiry per user, each due at its own instant: the users are indexed by
// the instant their next push falls due (`DeadlineQueue`), so a timer firing costs a few heap
// steps per user due, not a scan of every user's outbox.
extension SessionCore {
    /// `user`'s pushes were sent at `now`: they fall due for a retransmission `retransmitPolicy.base` later.
    mutating func sentPushes(to user: String) {
        let due = now.advanced(by: Self.retransmitPolicy.base)
        retransmitDue.insert(user, at: due)
        want(.retransmit, at: due)
    }

    /// A push for `user` is being accepted at `now` (`hadPending`: the user had pushes pending
    /// before it): it runs out of retention `retention` later. A user with pushes pending has an
    /// entry already, at or before its earliest push's expiry, so only a user without gets one.
    mutating func acceptedPush(for user: String, hadPending: Bool) {
        guard !hadPending else { return }
        let due = now.advanced(by: retention)
        expiryDue.insert(user, at: due)
        want(.expiry, at: due)
    }

    /// The retransmission timer: sends again every push whose back-off ran out, user by user in
    /// the order they fell due, each in seq order (the client drops duplicates by sequence number).
    mutating func retransmitDuePushes() {
        var done: Set<String> = []   // membership only, never iterated
        while let first = retransmitDue.first, first.due <= now {
            _ = retransmitDue.removeFirst()
            let user = first.key
            guard done.insert(user).inserted, let entry = table.route(user: user) else { continue }
            let (pushes, floor) = outbox.takeDueRetransmissions(user: user, now: now, policy: Self.retransmitPolicy)
            for p in pushes { deliver(p, floor: floor, to: entry.frontend) }
            if let next = outbox.nextRetransmission(user: user, policy: Self.retransmitPolicy) { retransmitDue.insert(user, at: next) }
        }
        let table = self.table, outbox = self.outbox
        settle(&retransmitDue) { user in
            table.route(user: user) == nil ? nil : outbox.nextRetransmission(user: user, policy: Self.retransmitPolicy)
        }
        if let next = retransmitDue.first { want(.retransmit, at: next.due) }
    }

    /// The expiry timer: gives up every push unacknowledged for the whole retention window.
    mutating func expireDuePushes() {
        var done: Set<String> = []   // membership only, never iterated
        while let first = expiryDue.first, first.due <= now {
            _ = expiryDue.removeFirst()
            let user = first.key
            guard done.insert(user).inserted else { continue }
            for gone in outbox.expire(user: user, now: now, retention: retention) {
                log(NodeLog.pushExpired, ["push": .number(gone.push.pushID), "user": .text(gone.push.user),
                                          "seq": .number(UInt64(gone.push.seq))])
            }
            if let next = outbox.nextExpiry(user: user, retention: retention) { expiryDue.insert(user, at: next) }
        }
        let outbox = self.outbox, retention = self.retention
        settle(&expiryDue) { outbox.nextExpiry(user: $0, retention: retention) }
        if let next = expiryDue.first { want(.expiry, at: next.due) }
    }

    /// Drops stale entries off the front of `queue` until the first one is really due then
    /// (`actual` gives a user's real instant, nil when nothing is due for it any more); a user
    /// due at another instant than its entry says is queued again at that instant.
    private func settle(_ queue: inout DeadlineQueue<String>, actual: (String) -> VirtualInstant?) {
        while let first = queue.first {
            let real = actual(first.key)
            if real == first.due { return }
            _ = queue.removeFirst()
            if let real { queue.insert(first.key, at: real) }
        }
    }
}
