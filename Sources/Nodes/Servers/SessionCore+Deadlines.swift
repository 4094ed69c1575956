import NetModel

/// Users by the instant something about them next falls due, earliest first (ties by user name):
/// a binary min-heap of entries. Which entry of a user is live is not kept here but in the
/// user's `DeadlineMarks` in the session core's `PushOutbox`, read and set in the same lookup as
/// the user's pushes: an entry whose instant is not its user's mark is superseded (the user was
/// indexed earlier since, or taken out) and is dropped when it comes up. Not generic: it is
/// touched on every push, and an unspecialized generic looks its metadata up on every call.
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

    /// How many entries the queue holds, live or superseded.
    var count: Int { heap.count }

    /// The earliest entry, live or superseded.
    var first: Entry? { heap.first }

    /// Adds an entry for `key` at `due` (its mark was just lowered there).
    mutating func insert(_ key: String, at due: VirtualInstant) {
        heap.append(Entry(due: due, key: key))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes the earliest entry.
    /// - Returns: the entry, nil when the queue is empty.
    @discardableResult
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
// steps per user due, not a scan of every user's outbox. A user's live entry (the one at its
// `DeadlineMarks` instant, at most one per queue) is never later than its real instant (an ack
// only makes the real one later): an entry that comes up early is moved to the real instant.
extension SessionCore {
    /// The push retransmission back-off's first wait, in nanoseconds (read on every push sent).
    static let retransmitBaseNanoseconds = retransmitPolicy.base.nanosecondsClamped

    /// `user`'s pushes were sent at `now`: they fall due for a retransmission `retransmitPolicy.base` later.
    mutating func sentPushes(to user: String) {
        let due = VirtualInstant(nanoseconds: now.nanoseconds &+ Self.retransmitBaseNanoseconds)
        if outbox.lowerMark(.retransmit, user: user, to: due) { retransmitDue.insert(user, at: due) }
        want(.retransmit, at: due)
    }

    /// The first live entry of `queue`, the index of `kind` (superseded entries before it are dropped).
    private static func firstLive(_ queue: inout DeadlineQueue, _ kind: DeadlineMarks.Kind,
                                  outbox: PushOutbox<PushBody>) -> DeadlineQueue.Entry? {
        while let top = queue.first {
            if outbox.marks(user: top.key)[kind] == top.due { return top }
            queue.removeFirst()
        }
        return nil
    }

    /// The retransmission timer: sends again every push whose back-off ran out, user by user in
    /// the order they fell due, each in seq order (the client drops duplicates by sequence number).
    mutating func retransmitDuePushes() {
        while let first = Self.firstLive(&retransmitDue, .retransmit, outbox: outbox), first.due <= now {
            retransmitDue.removeFirst()
            let user = first.key
            outbox.clearMark(.retransmit, user: user)
            guard let entry = table.route(user: user) else { continue }   // sent again when it has a route
            let (pushes, floor) = outbox.takeDueRetransmissions(user: user, now: now, policy: Self.retransmitPolicy)
            for p in pushes { deliver(p, floor: floor, to: entry.frontend) }
            if let next = outbox.nextRetransmission(user: user, policy: Self.retransmitPolicy),
               outbox.lowerMark(.retransmit, user: user, to: next) {
                retransmitDue.insert(user, at: next)
            }
        }
        let table = self.table
        Self.settle(&retransmitDue, .retransmit, outbox: &outbox, retention: retention) { table.route(user: $0) != nil }
        if let next = Self.firstLive(&retransmitDue, .retransmit, outbox: outbox) { want(.retransmit, at: next.due) }
    }

    /// The expiry timer: gives up every push unacknowledged for the whole retention window.
    mutating func expireDuePushes() {
        while let first = Self.firstLive(&expiryDue, .expiry, outbox: outbox), first.due <= now {
            expiryDue.removeFirst()
            let user = first.key
            outbox.clearMark(.expiry, user: user)
            for gone in outbox.expire(user: user, now: now, retention: retention) {
                log(NodeLog.pushExpired, ["push": .number(gone.push.pushID), "user": .text(gone.push.user),
                                          "seq": .number(UInt64(gone.push.seq))])
            }
            if let next = outbox.nextExpiry(user: user, retention: retention), outbox.lowerMark(.expiry, user: user, to: next) {
                expiryDue.insert(user, at: next)
            }
        }
        Self.settle(&expiryDue, .expiry, outbox: &outbox, retention: retention) { _ in true }
        if let next = Self.firstLive(&expiryDue, .expiry, outbox: outbox) { want(.expiry, at: next.due) }
    }

    /// Moves the first entries of `queue` (the index of `kind`) that came up early until the
    /// first live one is really due then: a superseded entry is dropped, a live one whose user
    /// is due later (or not at all: nothing pending, or `eligible` false) is moved there. One
    /// lookup of the user's pushes and marks per entry (`PushOutbox.check`).
    private static func settle(_ queue: inout DeadlineQueue, _ kind: DeadlineMarks.Kind, outbox: inout PushOutbox<PushBody>,
                               retention: Duration, eligible: (String) -> Bool) {
        while let top = queue.first {
            switch outbox.check(kind, user: top.key, at: top.due, policy: Self.retransmitPolicy, retention: retention,
                                eligible: { eligible(top.key) }) {
            case .stale:
                queue.removeFirst()
            case .live(let real):
                if real == top.due { return }
                queue.removeFirst()
                if let real { queue.insert(top.key, at: real) }
            }
        }
    }
}
