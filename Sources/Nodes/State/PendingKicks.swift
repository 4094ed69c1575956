import NetModel

/// The session node's kicks that no logout has confirmed yet, as a value type: each is due again
/// a while after it was last sent, until the frontend's logout for that stream confirms it or the
/// frontend leaves the cluster.
///
/// Kicks are found by stream in a dictionary and wait in a queue in the order they were last sent:
/// a kick is sent at `now`, never before the kicks already waiting, so the queue stays sorted by
/// time and the due kicks are always at its front. Adding, confirming and taking what is due cost
/// the kicks concerned, not every pending kick (a list scanned on each of them cost 28 ns per event
/// at 100,000 clients). A confirmed or replaced kick's queue entry is left behind and skipped.
struct PendingKicks: Sendable {
    /// One kick.
    struct Kick: Sendable, Equatable {
        var user: String
        var frontend: NodeName
        var connection: UInt64
        var reason: String
        var sentAt: VirtualInstant
    }

    /// The stream a kick ends.
    private struct Stream: Hashable, Sendable {
        var user: String
        var frontend: NodeName
        var connection: UInt64
    }

    /// A pending kick and its place in the order of making (what `takeDue` reports in).
    private struct Entry: Sendable {
        var order: Int
        var kick: Kick
    }

    /// A queue entry: current while the stream's entry has the same order (a kick sent again
    /// leaves its old entry behind the head: it was taken off to be sent).
    private struct Waiting: Sendable {
        var sentAt: VirtualInstant
        var order: Int
        var stream: Stream
    }

    private var pending: [Stream: Entry] = [:]
    private var queue: [Waiting] = []
    private var head = 0
    private var nextOrder = 0

    /// How many kicks wait for a confirmation.
    var count: Int { pending.count }

    /// A kick sent at `at` (not before any kick already sent); it replaces one for the same stream.
    mutating func add(user: String, frontend: NodeName, connection: UInt64, reason: String, at: VirtualInstant) {
        let stream = Stream(user: user, frontend: frontend, connection: connection)
        nextOrder += 1
        pending[stream] = Entry(order: nextOrder, kick: Kick(user: user, frontend: frontend, connection: connection,
                                                               reason: reason, sentAt: at))
        queue.append(Waiting(sentAt: at, order: nextOrder, stream: stream))
    }

    /// The stream's logout arrived: the kick took effect (or the stream was gone already).
    mutating func confirm(user: String, frontend: NodeName, connection: UInt64) {
        pending[Stream(user: user, frontend: frontend, connection: connection)] = nil
        if pending.isEmpty { clearQueue() }
    }

    /// The frontend left the cluster: its streams are gone with it.
    mutating func forget(frontend: NodeName) {
        for w in queue[head...] where w.stream.frontend == frontend { pending[w.stream] = nil }
        if pending.isEmpty { clearQueue() }
    }

    /// When `takeDue(now:after:)` next has something to do (timers are data).
    /// - Returns: the earliest `sentAt + after` of any kick, or nil when none waits.
    mutating func nextDue(after: Duration) -> VirtualInstant? {
        while head < queue.count, !isCurrent(queue[head]) { head += 1 }
        return head < queue.count ? queue[head].sentAt.advanced(by: after) : nil
    }

    /// The kicks last sent at least `after` before `now`, in the order they were made, marked
    /// sent at `now`.
    mutating func takeDue(now: VirtualInstant, after: Duration) -> [Kick] {
        let sentBy = now.advanced(by: .zero - after)   // due: sent at or before this instant
        var due: [Waiting] = []
        while head < queue.count, queue[head].sentAt <= sentBy {
            if isCurrent(queue[head]) { due.append(queue[head]) }
            head += 1
        }
        guard !due.isEmpty else { return [] }
        due.sort { $0.order < $1.order }
        var kicks: [Kick] = []
        kicks.reserveCapacity(due.count)
        for var w in due {
            pending[w.stream]!.kick.sentAt = now
            kicks.append(pending[w.stream]!.kick)
            w.sentAt = now
            queue.append(w)
        }
        if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return kicks
    }

    private func isCurrent(_ w: Waiting) -> Bool {
        pending[w.stream]?.order == w.order
    }

    private mutating func clearQueue() {
        queue.removeAll(keepingCapacity: false)
        head = 0
    }
}
