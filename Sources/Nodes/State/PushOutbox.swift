import NetModel

/// A push accepted for a user and not yet acknowledged by the user's client.
package struct PendingPush<Body: Hashable & Sendable>: Hashable, Sendable {
    /// The user it is for.
    package var user: String
    /// Its per-user sequence number (from 1, no gaps at acceptance).
    package var seq: UInt64
    /// The cluster-wide id of the push (for the exactly-once checker).
    package var pushID: UInt64
    /// The payload.
    package var body: Body
    /// When the outbox accepted it.
    package var acceptedAt: VirtualInstant
    /// When the shell last sent it (nil: never, the user was offline).
    package var sentAt: VirtualInstant?
    /// How many times it was retransmitted since it was last sent on a fresh route.
    package var retransmissions: Int = 0

    /// A pending push.
    package init(user: String, seq: UInt64, pushID: UInt64, body: Body, acceptedAt: VirtualInstant) {
        self.user = user
        self.seq = seq
        self.pushID = pushID
        self.body = body
        self.acceptedAt = acceptedAt
    }
}

/// A push given up on because it stayed unacknowledged for the whole retention window.
package struct ExpiredPush<Body: Hashable & Sendable>: Hashable, Sendable {
    /// The push.
    package var push: PendingPush<Body>
    /// When `expire` removed it.
    package var expiredAt: VirtualInstant

    /// An expired push.
    package init(push: PendingPush<Body>, expiredAt: VirtualInstant) {
        self.push = push
        self.expiredAt = expiredAt
    }
}

/// The sending side of reliable push (DESIGN.md §4: beyond at-most-once), as a pure value type.
///
/// Each accepted push gets the user's next sequence number (from 1) and stays pending until the
/// client's cumulative ack covers it. After the user reconnects, the shell resends
/// `pendingForResend(user:)` in order, before any new push to that user. A push unacknowledged
/// for `retention` is given up by `expire`, which returns it so the shell counts it as
/// "undelivered: retention expired"; `dropAll` returns what it drops for the same reason.
///
/// Every push the shell sends carries `floor(user:)`: the lowest sequence number the outbox can
/// still send. The client's `PushInbox.skip(below:)` uses it to learn that the numbers below were
/// given up, instead of waiting for them forever.
///
/// Sequence numbers are never reused within one outbox's life, not even after `dropAll`.
package struct PushOutbox<Body: Hashable & Sendable>: Sendable {
    private struct UserQueue: Sendable {
        var nextSeq: UInt64 = 1
        /// In seq order.
        var pending: [PendingPush<Body>] = []
        /// When the shell last sent this user's pending pushes (`markSent`), nil when never; kept
        /// as its nanoseconds (`Int64.min`: never), 8 bytes where an optional took 16 — a queue
        /// is kept per user for the whole run.
        private var lastSentNanoseconds = Int64.min
        var lastSent: VirtualInstant? {
            get { lastSentNanoseconds == .min ? nil : VirtualInstant(nanoseconds: lastSentNanoseconds) }
            set { lastSentNanoseconds = DeadlineMarks.nanoseconds(of: newValue) }
        }
        /// Where the owner's deadline indexes hold this user.
        var marks = DeadlineMarks()

        mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant) -> UInt64 {
            let seq = nextSeq
            nextSeq += 1
            pending.append(PendingPush(user: user, seq: seq, pushID: pushID, body: body, acceptedAt: now))
            return seq
        }

        /// Accepts a push and, when `sent`, marks the queue sent at `now`; returns the seq and the floor.
        mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant,
                             sent: Bool) -> (seq: UInt64, floor: UInt64) {
            let seq = accept(user: user, pushID: pushID, body: body, now: now)
            if sent {
                lastSent = now
                pending[pending.count - 1].sentAt = now
            }
            return (seq, pending[0].seq)
        }

        /// Accepts a push as `accept(user:pushID:body:now:sent:)` and lowers the expiry mark to
        /// `expiryMark` and, when `sent`, the retransmission mark to `retransmitMark`.
        mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant, sent: Bool,
                             expiryMark: VirtualInstant, retransmitMark: VirtualInstant) -> Acceptance {
            let (seq, floor) = accept(user: user, pushID: pushID, body: body, now: now, sent: sent)
            let expiryLowered = marks.lower(.expiry, to: expiryMark)
            let retransmitLowered = sent && marks.lower(.retransmit, to: retransmitMark)
            return Acceptance(seq: seq, floor: floor, expiryLowered: expiryLowered, retransmitLowered: retransmitLowered)
        }

        /// Marks the queue sent at `now` (a fresh route: back-off starts again); returns what is
        /// pending and the floor.
        mutating func markSent(at now: VirtualInstant) -> (pending: [PendingPush<Body>], floor: UInt64) {
            lastSent = now
            for i in pending.indices {
                pending[i].sentAt = now
                pending[i].retransmissions = 0
            }
            return (pending, pending.first?.seq ?? nextSeq)
        }

        /// The pushes whose retransmission is due at `now`, marked sent again.
        mutating func takeDue(now: VirtualInstant, policy: RetransmitPolicy) -> [PendingPush<Body>] {
            var due: [PendingPush<Body>] = []
            for i in pending.indices {
                let push = pending[i]
                let sent = push.sentAt ?? .zero
                guard sent.advanced(by: policy.delay(after: push.retransmissions)) <= now else { continue }
                pending[i].sentAt = now
                pending[i].retransmissions += 1
                due.append(pending[i])
            }
            if !due.isEmpty { lastSent = now }
            return due
        }

        /// When the earliest pending push is due for a retransmission (never sent: as sent at zero).
        func nextRetransmission(policy: RetransmitPolicy) -> VirtualInstant? {
            // One pass, no array (this runs for every index entry that comes up).
            var earliest: VirtualInstant?
            for push in pending {
                let due = (push.sentAt ?? .zero).advanced(by: policy.delay(after: push.retransmissions))
                if earliest.map({ due < $0 }) ?? true { earliest = due }
            }
            return earliest
        }

        /// When the earliest pending push runs out of `retention`.
        func nextExpiry(retention: Duration) -> VirtualInstant? {
            var earliest: VirtualInstant?
            for push in pending {
                let due = push.acceptedAt.advanced(by: retention)
                if earliest.map({ due < $0 }) ?? true { earliest = due }
            }
            return earliest
        }

        /// When the earliest pending push falls due for `kind` (nil: none pending).
        func next(_ kind: DeadlineMarks.Kind, policy: RetransmitPolicy, retention: Duration) -> VirtualInstant? {
            switch kind {
            case .retransmit: nextRetransmission(policy: policy)
            case .expiry: nextExpiry(retention: retention)
            }
        }

        /// Removes the pending pushes up to and including `seq`; returns how many. A queue left
        /// empty gives its storage back: nearly every user's pushes are all acknowledged between
        /// bursts, and a queue kept at the capacity of its longest burst (~100 bytes a push) was
        /// most of the session node's memory per user.
        mutating func removeAcknowledged(upTo seq: UInt64) -> Int {
            let covered = pending.prefix(while: { $0.seq <= seq }).count
            if covered == pending.count {
                if covered > 0 { pending = [] }
            } else if covered > 0 {
                pending.removeFirst(covered)
            }
            return covered
        }
    }

    private var queues: [String: UserQueue] = [:]

    /// An empty outbox.
    package init() {}

    // MARK: - Queries

    /// Pending pushes across all users.
    package var pendingCount: Int { queues.values.reduce(0) { $0 + $1.pending.count } }

    /// Pending pushes of `user`.
    /// - Returns: how many pushes of the user await an ack.
    package func pendingCount(user: String) -> Int { queues[user]?.pending.count ?? 0 }

    /// The room the outbox keeps for `user`'s pending pushes.
    /// - Returns: the capacity of the user's queue (0 once every push was acknowledged).
    package func pendingCapacity(user: String) -> Int { queues[user]?.pending.capacity ?? 0 }

    /// The users with at least one pending push, sorted.
    package var usersWithPending: [String] { usersWithPending { _ in true } }

    /// The users with at least one pending push for whom `include` holds, sorted (the filter runs
    /// first, so only the matches are sorted).
    package func usersWithPending(where include: (String) -> Bool) -> [String] {
        var users: [String] = []
        for (user, queue) in queues where !queue.pending.isEmpty && include(user) { users.append(user) }
        return users.sorted()
    }

    /// What to resend to `user` after a reconnect.
    /// - Returns: the user's pending pushes in seq order (empty when none).
    package func pendingForResend(user: String) -> [PendingPush<Body>] { queues[user]?.pending ?? [] }

    /// The sequence number the next push to `user` will get.
    /// - Returns: 1 for a user never pushed to.
    package func nextSeq(user: String) -> UInt64 { queues[user]?.nextSeq ?? 1 }

    /// The lowest sequence number the outbox may still send to `user`: every lower number was
    /// acknowledged or given up.
    /// - Returns: the lowest pending seq, or `nextSeq(user:)` when nothing is pending.
    package func floor(user: String) -> UInt64 {
        guard let queue = queues[user] else { return 1 }
        return queue.pending.first?.seq ?? queue.nextSeq
    }

    /// The users with at least one pending push that the shell last sent at or before `cutoff`
    /// (or never sent: that counts as sent at instant zero), sorted: who is due for a retransmission.
    package func usersWithPending(sentAtOrBefore cutoff: VirtualInstant) -> [String] {
        var users: [String] = []
        for (user, queue) in queues where !queue.pending.isEmpty && (queue.lastSent ?? .zero) <= cutoff {
            users.append(user)
        }
        return users.sorted()
    }

    /// When the shell last sent `user`'s pending pushes.
    /// - Returns: the instant given to the last `markSent` or `accept(…sent: true)`, nil when never.
    package func lastSent(user: String) -> VirtualInstant? { queues[user]?.lastSent }

    /// When `expire` next has something to do (timers are data).
    /// - Returns: the earliest `acceptedAt + retention` of any pending push, or nil when none.
    package func nextExpiry(retention: Duration) -> VirtualInstant? {
        var earliest: VirtualInstant?
        for queue in queues.values {
            for push in queue.pending {
                let at = push.acceptedAt.advanced(by: retention)
                if earliest.map({ at < $0 }) ?? true { earliest = at }
            }
        }
        return earliest
    }

    /// When `user`'s next retransmission falls due (timers are data; a shell keeps its own
    /// index of users by this instant).
    /// - Returns: the earliest instant one of the user's pending pushes is due again
    ///   (`policy.delay(after: retransmissions)` after it was last sent; never sent counts as sent
    ///   at instant zero), or nil when the user has none pending.
    package func nextRetransmission(user: String, policy: RetransmitPolicy) -> VirtualInstant? {
        queues[user]?.nextRetransmission(policy: policy)
    }

    /// When `expire(user:now:retention:)` next has something to do for `user`.
    /// - Returns: the earliest `acceptedAt + retention` of the user's pending pushes, nil when none.
    package func nextExpiry(user: String, retention: Duration) -> VirtualInstant? {
        queues[user]?.nextExpiry(retention: retention)
    }

    /// `user`'s pushes due for a retransmission at `now` (as `takeDueRetransmissions(now:policy:where:)`
    /// for one user), each marked sent again.
    /// - Returns: the due pushes in seq order and the user's floor.
    package mutating func takeDueRetransmissions(user: String, now: VirtualInstant,
                                                policy: RetransmitPolicy) -> (pushes: [PendingPush<Body>], floor: UInt64) {
        guard queues[user] != nil else { return ([], 1) }
        let due = queues[user]!.takeDue(now: now, policy: policy)
        return (due, floor(user: user))
    }

    /// The pushes due for a retransmission at `now`, per user (users sorted, pushes in seq
    /// order), each marked sent again: a push is due `policy.delay(after: n)` after it was last
    /// sent, n being how many times it was retransmitted already. Each push has its own clock, so
    /// a user who keeps getting new pushes never starves an old one of its retransmission.
    /// Only users for whom `include` holds (the shell's: the user has a route) are considered.
    /// - Returns: per due user, the due pushes and the user's floor.
    package mutating func takeDueRetransmissions(now: VirtualInstant, policy: RetransmitPolicy,
                                                where include: (String) -> Bool)
        -> [(user: String, pushes: [PendingPush<Body>], floor: UInt64)] {
        var users: [String] = []
        for (user, queue) in queues where !queue.pending.isEmpty && include(user) { users.append(user) }
        var out: [(user: String, pushes: [PendingPush<Body>], floor: UInt64)] = []
        for user in users.sorted() {
            let due = queues[user, default: UserQueue()].takeDue(now: now, policy: policy)
            if !due.isEmpty { out.append((user, due, floor(user: user))) }
        }
        return out
    }

    // MARK: - Events

    /// Accepts a push for `user`.
    /// - Returns: its sequence number: one more than the user's previous push, 1 for the first.
    @discardableResult
    package mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant) -> UInt64 {
        accept(user: user, pushID: pushID, body: body, now: now, sent: false).seq
    }

    /// Accepts a push for `user` in one lookup of the user's queue; when `sent`, the shell is
    /// sending it now, which counts as `markSent(user:at: now)`.
    /// - Returns: its sequence number (as `accept(user:pushID:body:now:)`) and the user's floor
    ///   after accepting it (as `floor(user:)`).
    @discardableResult
    package mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant,
                                sent: Bool) -> (seq: UInt64, floor: UInt64) {
        // Mutated in place (one lookup): copying the queue out and back would copy its pending array.
        queues[user, default: UserQueue()].accept(user: user, pushID: pushID, body: body, now: now, sent: sent)
    }

    /// The shell sends `user`'s pending pushes again at `now` (after a reconnect, or to
    /// retransmit); it is remembered for `usersWithPending(sentAtOrBefore:)`.
    /// - Returns: the pending pushes in seq order (as `pendingForResend(user:)`) and the user's
    ///   floor (as `floor(user:)`).
    package mutating func markSent(user: String, at now: VirtualInstant) -> (pending: [PendingPush<Body>], floor: UInt64) {
        // In place through the entry's index when the user has one (a login of a known user).
        if let i = queues.index(forKey: user) { return queues.values[i].markSent(at: now) }
        return queues[user, default: UserQueue()].markSent(at: now)
    }

    /// Accepts a push for `user` (as `accept(user:pushID:body:now:sent:)`) and, in the same lookup
    /// of the user, lowers the user's expiry mark to `expiryMark` and, when `sent`, the
    /// retransmission mark to `retransmitMark` (`DeadlineMarks.lower`).
    /// - Returns: the seq and floor, and which marks were lowered (the owner indexes the user there).
    package mutating func accept(user: String, pushID: UInt64, body: Body, now: VirtualInstant, sent: Bool,
                                expiryMark: VirtualInstant, retransmitMark: VirtualInstant) -> Acceptance {
        queues[user, default: UserQueue()].accept(user: user, pushID: pushID, body: body, now: now, sent: sent,
                                                  expiryMark: expiryMark, retransmitMark: retransmitMark)
    }

    // MARK: - Deadline marks

    /// Where the owner's deadline indexes hold `user` (no marks for a user never pushed to).
    package func marks(user: String) -> DeadlineMarks {
        guard let i = queues.index(forKey: user) else { return DeadlineMarks() }
        return queues.values[i].marks
    }

    /// Lowers `user`'s mark of `kind` to `due` (`DeadlineMarks.lower`).
    /// - Returns: whether it changed (the owner indexes the user at `due`).
    package mutating func lowerMark(_ kind: DeadlineMarks.Kind, user: String, to due: VirtualInstant) -> Bool {
        queues[user, default: UserQueue()].marks.lower(kind, to: due)
    }

    /// Clears `user`'s mark of `kind`: the owner's index no longer holds the user.
    package mutating func clearMark(_ kind: DeadlineMarks.Kind, user: String) {
        guard let i = queues.index(forKey: user) else { return }
        queues.values[i].marks[kind] = nil
    }

    /// An index entry of `kind` for `user` at `due` came up: checks it against the user's mark and,
    /// when it is the live one, finds the user's real instant for `kind` (the earliest pending
    /// push's, as `nextRetransmission(user:policy:)` or `nextExpiry(user:retention:)`; nil when
    /// nothing is pending or `eligible` says the user does not count now) and moves the mark
    /// there. One lookup of the user.
    /// - Returns: `.stale` when the entry is not the user's mark (superseded: drop it), else
    ///   `.live(real:)` (the entry is due then; re-index the user at `real` if it differs).
    package mutating func check(_ kind: DeadlineMarks.Kind, user: String, at due: VirtualInstant, policy: RetransmitPolicy,
                               retention: Duration, eligible: () -> Bool) -> MarkCheck {
        guard let i = queues.index(forKey: user), queues.values[i].marks[kind] == due else { return .stale }
        // `eligible` only asked when something is pending (most entries that come up early are of
        // users whose pushes were all acknowledged).
        var real = queues.values[i].next(kind, policy: policy, retention: retention)
        if real != nil, !eligible() { real = nil }
        if real != due { queues.values[i].marks[kind] = real }
        return .live(real: real)
    }

    /// The client of `user` acknowledged everything up to and including `seq` (cumulative).
    /// - Returns: how many pending pushes this removed (0 for a repeated or stale ack).
    @discardableResult
    package mutating func ack(user: String, upTo seq: UInt64) -> Int {
        // In place through the entry's index: `queues[user]?.…` moves the queue out and back.
        guard let i = queues.index(forKey: user) else { return 0 }
        return queues.values[i].removeAcknowledged(upTo: seq)
    }

    /// Gives up on every push unacknowledged for `retention` or longer at `now`
    /// (`now - acceptedAt >= retention`).
    /// - Returns: the removed pushes sorted by user, then seq.
    package mutating func expire(now: VirtualInstant, retention: Duration) -> [ExpiredPush<Body>] {
        var expired: [ExpiredPush<Body>] = []
        // Only users with a due push are sorted and rebuilt (a node's clock may be stepped back,
        // so acceptance times are not assumed to grow along a queue).
        var due: [String] = []
        for (user, queue) in queues where queue.pending.contains(where: { $0.acceptedAt.advanced(by: retention) <= now }) {
            due.append(user)
        }
        for user in due.sorted() {
            guard var queue = queues[user] else { continue }
            let (gone, kept) = queue.pending.reduce(into: ([PendingPush<Body>](), [PendingPush<Body>]())) { split, push in
                if push.acceptedAt.advanced(by: retention) <= now { split.0.append(push) } else { split.1.append(push) }
            }
            guard !gone.isEmpty else { continue }
            queue.pending = kept
            queues[user] = queue
            expired += gone.map { ExpiredPush(push: $0, expiredAt: now) }
        }
        return expired
    }

    /// Gives up on every push of `user` unacknowledged for `retention` or longer at `now` (as
    /// `expire(now:retention:)` for one user).
    /// - Returns: the removed pushes in seq order.
    package mutating func expire(user: String, now: VirtualInstant, retention: Duration) -> [ExpiredPush<Body>] {
        guard let queue = queues[user], queue.pending.contains(where: { $0.acceptedAt.advanced(by: retention) <= now }) else {
            return []
        }
        var gone: [ExpiredPush<Body>] = []
        var kept: [PendingPush<Body>] = []
        for push in queue.pending {
            if push.acceptedAt.advanced(by: retention) <= now { gone.append(ExpiredPush(push: push, expiredAt: now)) } else { kept.append(push) }
        }
        queues[user]!.pending = kept
        return gone
    }

    /// Gives up on every pending push of `user` (e.g. the node holding them is going away). The
    /// user's sequence numbering continues.
    /// - Returns: the dropped pushes in seq order.
    package mutating func dropAll(user: String) -> [PendingPush<Body>] {
        guard var queue = queues[user], !queue.pending.isEmpty else { return [] }
        let dropped = queue.pending
        queue.pending = []
        queues[user] = queue
        return dropped
    }
}

/// What `PushOutbox.accept(user:pushID:body:now:sent:expiryMark:retransmitMark:)` did.
package struct Acceptance: Equatable, Sendable {
    /// The push's sequence number for the user.
    package var seq: UInt64
    /// The user's floor after accepting it.
    package var floor: UInt64
    /// Whether the user's expiry mark was lowered (to be indexed there).
    package var expiryLowered: Bool
    /// Whether the user's retransmission mark was lowered (to be indexed there).
    package var retransmitLowered: Bool
}

/// Where an owner's deadline indexes (the session core's retransmission and expiry queues,
/// `DeadlineQueue`) hold a user: the instant of the user's one live entry in each, nil when the
/// index does not hold the user. Kept with the user's pushes in `PushOutbox`, so that accepting
/// a push and indexing its user, or checking an index entry against the user's pushes, is one
/// lookup of the user, not one per structure.
package struct DeadlineMarks: Equatable, Sendable {
    /// Which index.
    package enum Kind: Sendable {
        /// When the user's next push falls due for a retransmission.
        case retransmit
        /// When the user's next push runs out of retention.
        case expiry
    }

    /// The marks' nanoseconds, `Int64.min` for none: 16 bytes where two optional instants took
    /// 32 (the marks are kept per user for the whole run, in the session node's outbox).
    private var retransmit = Int64.min, expiry = Int64.min

    /// No marks.
    package init() {}

    /// An instant's nanoseconds, `Int64.min` for nil (an instant that is never one: runs start
    /// at zero, and clock offsets are seconds).
    static func nanoseconds(of instant: VirtualInstant?) -> Int64 {
        guard let instant else { return .min }
        precondition(instant.nanoseconds != .min, "an instant of Int64.min nanoseconds cannot be kept")
        return instant.nanoseconds
    }

    /// The mark of `kind`.
    package subscript(kind: Kind) -> VirtualInstant? {
        get {
            let ns = switch kind {
            case .retransmit: retransmit
            case .expiry: expiry
            }
            return ns == .min ? nil : VirtualInstant(nanoseconds: ns)
        }
        set {
            switch kind {
            case .retransmit: retransmit = Self.nanoseconds(of: newValue)
            case .expiry: expiry = Self.nanoseconds(of: newValue)
            }
        }
    }

    /// Sets the mark of `kind` to `due` unless it is at or before `due` already.
    /// - Returns: whether it changed.
    package mutating func lower(_ kind: Kind, to due: VirtualInstant) -> Bool {
        if let current = self[kind], current <= due { return false }
        self[kind] = due
        return true
    }
}

/// How an index entry compares with its user's mark (`PushOutbox.check`).
package enum MarkCheck: Equatable, Sendable {
    /// Not the user's mark: superseded by an earlier entry, or the user was taken out.
    case stale
    /// The user's live entry; `real` is when the user is really due (nil: nothing due).
    case live(real: VirtualInstant?)
}

/// When an unacknowledged push is sent again: `base` after it was sent, doubling with each
/// retransmission up to `cap`.
package struct RetransmitPolicy: Sendable, Equatable {
    /// The first wait.
    package var base: Duration
    /// The longest wait.
    package var cap: Duration
    /// A policy (defaults: 1 s, doubling to 8 s).
    package init(base: Duration = .seconds(1), cap: Duration = .seconds(8)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after `retransmissions` earlier retransmissions.
    package func delay(after retransmissions: Int) -> Duration {
        var d = base
        for _ in 0..<min(retransmissions, 16) where d < cap { d *= 2 }
        return min(d, cap)
    }
}
