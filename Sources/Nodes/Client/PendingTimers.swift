/// A shell's timers as data: the core's timer values armed and not yet fired, each under the
/// token the environment hands back when it is due (`NodeEnvironment.scheduleTimer(after:on:token:)`).
///
/// A client keeps a handful pending (its workload loops, the token refresh, a request's timeout);
/// kept here, a timer costs its value in one array instead of two closures on the heap (the body
/// bound to the actor, and the actor's call bound to the executor: ~150 bytes a timer).
struct PendingTimers<Timer> {
    /// The pending timers, in no particular order.
    private var entries: [(token: UInt64, timer: Timer)] = []
    /// The token the next timer gets.
    private var nextToken: UInt64 = 1

    /// How many timers are pending.
    var count: Int { entries.count }
    /// The room kept for pending timers.
    var capacity: Int { entries.capacity }

    /// Keeps `timer` until it is due.
    /// - Returns: its token (unique within this table).
    mutating func add(_ timer: Timer) -> UInt64 {
        let token = nextToken
        nextToken += 1
        entries.append((token, timer))
        return token
    }

    /// The timer of `token` is due: hands it back and forgets it.
    /// - Returns: the timer, or nil for a token that is not pending (taken already, or never given).
    mutating func take(_ token: UInt64) -> Timer? {
        guard let i = entries.firstIndex(where: { $0.token == token }) else { return nil }
        let last = entries.count - 1
        if i != last { entries.swapAt(i, last) }
        let timer = entries.removeLast().timer
        // A burst of timers (many requests waiting through a partition) leaves room behind: given
        // back once three quarters of it stand empty.
        if entries.capacity > 16, entries.count * 4 <= entries.capacity {
            var kept: [(token: UInt64, timer: Timer)] = []
            kept.reserveCapacity(entries.count * 2)
            kept.append(contentsOf: entries)
            entries = kept
        }
        return timer
    }
}
