import NetModel

/// Users by the instant something about them next falls due, earliest first (ties by user name):
/// a binary min-heap with at most one live entry per user (`scheduled`). A user scheduled earlier
/// than it was leaves its old entry behind, superseded: it is dropped when it comes up. Not
/// generic: it is touched on every push, and an unspecialized generic looks its metadata up on
/// every call.
struct DeadlineQueue {
    /// One entry.
    struct Entry: Equatable {
        /// When it is due.
        var due: VirtualInstant
        /// Whom it is due for.
        var key: String

        /// Whether it comes out before `other`: earlier, or as early with a smaller key.
        func precedes(_ other: Entry) -> Bool { due != other.due ? due < other.due : key < other.key }
    }

    private var heap: [Entry] = []
    /// Each user's live entry (looked up, never iterated).
    private var scheduled: [String: VirtualInstant] = [:]

    /// How many users have a live entry.
    var count: Int { scheduled.count }

    /// When `key` is due (nil: not scheduled).
    func due(_ key: String) -> VirtualInstant? { scheduled[key] }

    /// Schedules `key` at `due`, unless it is scheduled at or before `due` already.
    mutating func schedule(_ key: String, at due: VirtualInstant) {
        // One hash of the key: the entry is read and replaced in place.
        guard Self.lower(&scheduled[key], to: due) else { return }
        push(Entry(due: due, key: key))
    }

    /// Sets `current` to `due` unless it is at or before `due` already.
    /// - Returns: whether it changed.
    private static func lower(_ current: inout VirtualInstant?, to due: VirtualInstant) -> Bool {
        if let current, current <= due { return false }
        current = due
        return true
    }

    /// The earliest live entry (superseded ones before it are dropped).
    mutating func first() -> Entry? {
        while let top = heap.first {
            if scheduled[top.key] == top.due { return top }
            _ = pop()
        }
        return nil
    }

    /// Removes the earliest live entry: its user is no longer scheduled.
    /// - Returns: the entry, nil when none is live.
    @discardableResult
    mutating func removeFirst() -> Entry? {
        guard let top = first() else { return nil }
        _ = pop()
        scheduled[top.key] = nil
        return top
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() -> Entry? {
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
// steps per user due, not a scan of every user's outbox. A user's entry is never later than
// its real instant (an ack only makes the real one later): an entry that comes up early is
// moved to the real instant.
extension SessionCore {
    /// `user`'s pushes were sent at `now`: they fall due for a retransmission `retransmitPolicy.base` later.
    mutating func sentPushes(to user: String) {
        let due = now.advanced(by: Self.retransmitPolicy.base)
        retransmitDue.schedule(user, at: due)
        want(.retransmit, at: due)
    }

    /// A push for `user` was accepted at `now`: it runs out of retention `retention` later.
    mutating func acceptedPush(for user: String) {
        let due = now.advanced(by: retention)
        expiryDue.schedule(user, at: due)
        want(.expiry, at: due)
    }

    /// The retransmission timer: sends again every push whose back-off ran out, user by user in
    /// the order they fell due, each in seq order (the client drops duplicates by sequence number).
    mutating func retransmitDuePushes() {
        while let first = retransmitDue.first(), first.due <= now {
            retransmitDue.removeFirst()
            let user = first.key
            guard let entry = table.route(user: user) else { continue }   // sent again when it has a route
            let (pushes, floor) = outbox.takeDueRetransmissions(user: user, now: now, policy: Self.retransmitPolicy)
            for p in pushes { deliver(p, floor: floor, to: entry.frontend) }
            if let next = outbox.nextRetransmission(user: user, policy: Self.retransmitPolicy) { retransmitDue.schedule(user, at: next) }
        }
        let table = self.table, outbox = self.outbox
        settle(&retransmitDue) { user in
            table.route(user: user) == nil ? nil : outbox.nextRetransmission(user: user, policy: Self.retransmitPolicy)
        }
        if let next = retransmitDue.first() { want(.retransmit, at: next.due) }
    }

    /// The expiry timer: gives up every push unacknowledged for the whole retention window.
    mutating func expireDuePushes() {
        while let first = expiryDue.first(), first.due <= now {
            expiryDue.removeFirst()
            let user = first.key
            for gone in outbox.expire(user: user, now: now, retention: retention) {
                log(NodeLog.pushExpired, ["push": .number(gone.push.pushID), "user": .text(gone.push.user),
                                          "seq": .number(UInt64(gone.push.seq))])
            }
            if let next = outbox.nextExpiry(user: user, retention: retention) { expiryDue.schedule(user, at: next) }
        }
        let outbox = self.outbox, retention = self.retention
        settle(&expiryDue) { outbox.nextExpiry(user: $0, retention: retention) }
        if let next = expiryDue.first() { want(.expiry, at: next.due) }
    }

    /// Moves the first entries of `queue` that came up early (`actual` gives a user's real
    /// instant, nil when nothing is due for it any more) until the first one is really due then.
    private func settle(_ queue: inout DeadlineQueue, actual: (String) -> VirtualInstant?) {
        while let first = queue.first() {
            let real = actual(first.key)
            if real == first.due { return }
            queue.removeFirst()
            if let real { queue.schedule(first.key, at: real) }
        }
    }
}
