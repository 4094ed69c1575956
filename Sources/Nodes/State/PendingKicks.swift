import NetModel

/// The session node's kicks that no logout has confirmed yet, as a value type: each is due again
/// a while after it was last sent, until the frontend's logout for that stream confirms it or the
/// frontend leaves the cluster.
struct PendingKicks: Sendable {
    /// One kick.
    struct Kick: Sendable, Equatable {
        var user: String
        var frontend: NodeName
        var connection: UInt64
        var reason: String
        var sentAt: VirtualInstant
    }

    private var kicks: [Kick] = []

    /// How many kicks wait for a confirmation.
    var count: Int { kicks.count }

    /// A kick sent at `at`.
    mutating func add(user: String, frontend: NodeName, connection: UInt64, reason: String, at: VirtualInstant) {
        kicks.removeAll { $0.user == user && $0.frontend == frontend && $0.connection == connection }
        kicks.append(Kick(user: user, frontend: frontend, connection: connection, reason: reason, sentAt: at))
    }

    /// The stream's logout arrived: the kick took effect (or the stream was gone already).
    mutating func confirm(user: String, frontend: NodeName, connection: UInt64) {
        kicks.removeAll { $0.user == user && $0.frontend == frontend && $0.connection == connection }
    }

    /// The frontend left the cluster: its streams are gone with it.
    mutating func forget(frontend: NodeName) {
        kicks.removeAll { $0.frontend == frontend }
    }

    /// When `takeDue(now:after:)` next has something to do (timers are data).
    /// - Returns: the earliest `sentAt + after` of any kick, or nil when none waits.
    func nextDue(after: Duration) -> VirtualInstant? {
        // One pass, no array: every kick waits the same `after`, so the earliest sent is due first.
        var earliest: VirtualInstant?
        for kick in kicks where earliest.map({ kick.sentAt < $0 }) ?? true { earliest = kick.sentAt }
        return earliest?.advanced(by: after)
    }

    /// The kicks last sent at least `after` before `now`, in the order they were made, marked
    /// sent at `now`.
    mutating func takeDue(now: VirtualInstant, after: Duration) -> [Kick] {
        var due: [Kick] = []
        let sentBy = now.advanced(by: .zero - after)   // due: sent at or before this instant
        for i in kicks.indices where kicks[i].sentAt <= sentBy {
            kicks[i].sentAt = now
            due.append(kicks[i])
        }
        return due
    }
}
