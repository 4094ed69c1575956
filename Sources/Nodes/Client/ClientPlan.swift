import NetModel

/// What one simulated game client does, decided by the runner from the experiment's workload.
package struct ClientPlan: Sendable {
    /// The user this client logs in as.
    package let user: String
    /// Every user of the run (targets for messages and is-online questions).
    package let users: [String]
    /// The position of `user` in `users` (0 when absent), found once.
    package let userIndex: Int
    /// The frontends the client knows (its "server list"); it rotates through them on failure.
    package var frontends: [NodeName]
    /// Where requests go: the gateway, if the cluster has one; otherwise the push frontend.
    package var gateway: NodeName?
    /// Stateless requests per second.
    package var requestRate: Double
    /// Messages to a random other user per second.
    package var pushRate: Double
    /// The chat room (by title) this client joins, and its line rate.
    package var chatRoom: String?
    /// Whether this client creates its room (the room's first member).
    package var createsRoom: Bool
    /// Chat lines per second once in the room.
    package var chatRate: Double
    /// When (from the client's start) it logs in again from a second device, if ever.
    package var duplicateLoginAfter: Duration?
    /// Attacks per second (0: a well-behaved client): forged tokens, expired tokens, wrong group ids.
    package var attackRate: Double = 0
    /// Simulated services this client calls (`SimulatedService`), each at its rate per second.
    package var serviceLoads: [(service: String, rate: Double)] = []
    /// The services the cluster serves (where the client's service calls draw their requests).
    package var services: ServiceRegistry = .standard
    /// The end of the load phase (ns of virtual time): no new pushes, chat lines or attacks after
    /// it, so the settle phase can drain; plain requests go on (liveness checks them).
    package var loadEndsAt: Int64 = .max
    /// Makes a plan. `userIndex` is the position of `user` in `users` when the caller knows it
    /// (the runner does: finding it costs a search of `users` per client, N² for N clients);
    /// nil: it is searched for.
    package init(user: String, users: [String], userIndex: Int? = nil, frontends: [NodeName], gateway: NodeName?,
                requestRate: Double, pushRate: Double, chatRoom: String?, createsRoom: Bool, chatRate: Double,
                duplicateLoginAfter: Duration?) {
        precondition(userIndex.map { users.indices.contains($0) && users[$0] == user } ?? true,
                     "userIndex must be the position of user in users")
        self.user = user
        self.users = users
        self.userIndex = userIndex ?? users.firstIndex(of: user) ?? 0
        self.frontends = frontends
        self.gateway = gateway
        self.requestRate = requestRate
        self.pushRate = pushRate
        self.chatRoom = chatRoom
        self.createsRoom = createsRoom
        self.chatRate = chatRate
        self.duplicateLoginAfter = duplicateLoginAfter
    }
}

/// Exponential back-off with equal jitter: the n-th retry waits half the capped ceiling
/// min(cap, base·2ⁿ) plus a uniform draw of the other half, so a wait is never shorter than
/// half its ceiling.
package struct Backoff: Sendable, Equatable {
    /// The first retry's upper bound.
    package var base: Duration = .milliseconds(200)
    /// The largest wait.
    package var cap: Duration = .seconds(5)
    /// Retries so far since the last success.
    package private(set) var attempt = 0

    /// A back-off at its first attempt.
    package init(base: Duration = .milliseconds(200), cap: Duration = .seconds(5)) {
        self.base = base
        self.cap = cap
    }

    /// The next wait, given a uniform draw `u` in [0, 1).
    /// - Returns: the delay before the next retry.
    package mutating func next(_ u: Double) -> Duration {
        let ceiling = min(Double(cap.nanosecondsClamped), Double(base.nanosecondsClamped) * Double(1 << min(attempt, 20)))
        attempt += 1
        return .nanoseconds(Int64(ceiling * (0.5 + 0.5 * u)))
    }

    /// Success: start over.
    package mutating func reset() { attempt = 0 }
}
