import NetModel

/// What one simulated game client does, decided by the runner from the experiment's workload.
///
/// Its fields live in one immutable shared box (a setter makes a new one): every client core and
/// the runner hold a plan for the whole run, so a plan is one word in each instead of ~200 bytes.
package struct ClientPlan: Sendable {
    /// The plan's values.
    private struct Fields: Sendable {
        var user: String
        var users: [String]
        var userIndex: Int
        var frontends: [NodeName]
        var gateway: NodeName?
        var requestRate: Double
        var pushRate: Double
        var chatRoom: String?
        var createsRoom: Bool
        var chatRate: Double
        var duplicateLoginAfter: Duration?
        var attackRate: Double = 0
        var serviceLoads: [(service: String, rate: Double)] = []
        var services: ServiceRegistry = .standard
        var loadEndsAt: Int64 = .max
    }

    /// The shared, immutable storage of the fields.
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// Changes one field: a new box, so that other copies of the plan keep theirs.
    private mutating func update(_ change: (inout Fields) -> Void) {
        var fields = box.fields
        change(&fields)
        box = Box(fields)
    }

    /// The user this client logs in as.
    package var user: String { box.fields.user }
    /// Every user of the run (targets for messages and is-online questions).
    package var users: [String] { box.fields.users }
    /// The position of `user` in `users` (0 when absent), found once.
    package var userIndex: Int { box.fields.userIndex }
    /// The frontends the client knows (its "server list"); it rotates through them on failure.
    package var frontends: [NodeName] {
        get { box.fields.frontends }
        set { update { $0.frontends = newValue } }
    }
    /// Where requests go: the gateway, if the cluster has one; otherwise the push frontend.
    package var gateway: NodeName? {
        get { box.fields.gateway }
        set { update { $0.gateway = newValue } }
    }
    /// Stateless requests per second.
    package var requestRate: Double {
        get { box.fields.requestRate }
        set { update { $0.requestRate = newValue } }
    }
    /// Messages to a random other user per second.
    package var pushRate: Double {
        get { box.fields.pushRate }
        set { update { $0.pushRate = newValue } }
    }
    /// The chat room (by title) this client joins, and its line rate.
    package var chatRoom: String? {
        get { box.fields.chatRoom }
        set { update { $0.chatRoom = newValue } }
    }
    /// Whether this client creates its room (the room's first member).
    package var createsRoom: Bool {
        get { box.fields.createsRoom }
        set { update { $0.createsRoom = newValue } }
    }
    /// Chat lines per second once in the room.
    package var chatRate: Double {
        get { box.fields.chatRate }
        set { update { $0.chatRate = newValue } }
    }
    /// When (from the client's start) it logs in again from a second device, if ever.
    package var duplicateLoginAfter: Duration? {
        get { box.fields.duplicateLoginAfter }
        set { update { $0.duplicateLoginAfter = newValue } }
    }
    /// Attacks per second (0: a well-behaved client): forged tokens, expired tokens, wrong group ids.
    package var attackRate: Double {
        get { box.fields.attackRate }
        set { update { $0.attackRate = newValue } }
    }
    /// Simulated services this client calls (`SimulatedService`), each at its rate per second.
    package var serviceLoads: [(service: String, rate: Double)] {
        get { box.fields.serviceLoads }
        set { update { $0.serviceLoads = newValue } }
    }
    /// The services the cluster serves (where the client's service calls draw their requests).
    package var services: ServiceRegistry {
        get { box.fields.services }
        set { update { $0.services = newValue } }
    }
    /// The end of the load phase (ns of virtual time): no new pushes, chat lines or attacks after
    /// it, so the settle phase can drain; plain requests go on (liveness checks them).
    package var loadEndsAt: Int64 {
        get { box.fields.loadEndsAt }
        set { update { $0.loadEndsAt = newValue } }
    }
    /// Makes a plan. `userIndex` is the position of `user` in `users` when the caller knows it
    /// (the runner does: finding it costs a search of `users` per client, N² for N clients);
    /// nil: it is searched for.
    package init(user: String, users: [String], userIndex: Int? = nil, frontends: [NodeName], gateway: NodeName?,
                requestRate: Double, pushRate: Double, chatRoom: String?, createsRoom: Bool, chatRate: Double,
                duplicateLoginAfter: Duration?) {
        precondition(userIndex.map { users.indices.contains($0) && users[$0] == user } ?? true,
                     "userIndex must be the position of user in users")
        box = Box(Fields(user: user, users: users, userIndex: userIndex ?? users.firstIndex(of: user) ?? 0,
                         frontends: frontends, gateway: gateway, requestRate: requestRate, pushRate: pushRate,
                         chatRoom: chatRoom, createsRoom: createsRoom, chatRate: chatRate,
                         duplicateLoginAfter: duplicateLoginAfter))
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
