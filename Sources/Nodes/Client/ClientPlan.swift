import NetModel

/// What one simulated game client does, decided by the runner from the experiment's workload.
///
/// Its fields live in one immutable box (a setter makes a new one): every client core and the
/// runner hold a plan for the whole run, so a plan is one word in each instead of ~200 bytes. The
/// fields every client of a run has alike (the users, frontends, rates, services) sit in a second
/// box that the runner's plans share (`forClient`): a client's own box holds only its user, room,
/// rates of its own and second login.
package struct ClientPlan: Sendable {
    /// The fields the clients of a run share.
    private struct Shared: Sendable {
        var users: [String]
        var frontends: [NodeName]
        var gateway: NodeName?
        var requestRate: Double
        var pushRate: Double
        var serviceLoads: [(service: String, rate: Double)] = []
        var services: ServiceRegistry = .standard
        var loadEndsAt: Int64 = .max
    }

    /// The fields of this client.
    private struct Own: Sendable {
        var user: String
        var userIndex: Int
        var chatRoom: String?
        var createsRoom: Bool
        var chatRate: Double
        var duplicateLoginAfter: Duration?
        var attackRate: Double = 0
    }

    /// The shared, immutable storage of the shared fields.
    private final class SharedBox: Sendable {
        let fields: Shared
        init(_ fields: Shared) { self.fields = fields }
    }

    /// The immutable storage of a plan: its own fields and the shared ones' box.
    private final class Box: Sendable {
        let shared: SharedBox
        let own: Own
        init(shared: SharedBox, own: Own) {
            self.shared = shared
            self.own = own
        }
    }

    private var box: Box

    /// Changes one shared field: new boxes, so that other copies of the plan keep theirs.
    private mutating func updateShared(_ change: (inout Shared) -> Void) {
        var fields = box.shared.fields
        change(&fields)
        box = Box(shared: SharedBox(fields), own: box.own)
    }

    /// Changes one field of this client's: a new box (sharing the shared fields' box).
    private mutating func updateOwn(_ change: (inout Own) -> Void) {
        var own = box.own
        change(&own)
        box = Box(shared: box.shared, own: own)
    }

    /// The user this client logs in as.
    package var user: String { box.own.user }
    /// Every user of the run (targets for messages and is-online questions).
    package var users: [String] { box.shared.fields.users }
    /// The position of `user` in `users` (0 when absent), found once.
    package var userIndex: Int { box.own.userIndex }
    /// The frontends the client knows (its "server list"); it rotates through them on failure.
    package var frontends: [NodeName] {
        get { box.shared.fields.frontends }
        set { updateShared { $0.frontends = newValue } }
    }
    /// Where requests go: the gateway, if the cluster has one; otherwise the push frontend.
    package var gateway: NodeName? {
        get { box.shared.fields.gateway }
        set { updateShared { $0.gateway = newValue } }
    }
    /// Stateless requests per second.
    package var requestRate: Double {
        get { box.shared.fields.requestRate }
        set { updateShared { $0.requestRate = newValue } }
    }
    /// Messages to a random other user per second.
    package var pushRate: Double {
        get { box.shared.fields.pushRate }
        set { updateShared { $0.pushRate = newValue } }
    }
    /// The chat room (by title) this client joins, and its line rate.
    package var chatRoom: String? {
        get { box.own.chatRoom }
        set { updateOwn { $0.chatRoom = newValue } }
    }
    /// Whether this client creates its room (the room's first member).
    package var createsRoom: Bool {
        get { box.own.createsRoom }
        set { updateOwn { $0.createsRoom = newValue } }
    }
    /// Chat lines per second once in the room.
    package var chatRate: Double {
        get { box.own.chatRate }
        set { updateOwn { $0.chatRate = newValue } }
    }
    /// When (from the client's start) it logs in again from a second device, if ever.
    package var duplicateLoginAfter: Duration? {
        get { box.own.duplicateLoginAfter }
        set { updateOwn { $0.duplicateLoginAfter = newValue } }
    }
    /// Attacks per second (0: a well-behaved client): forged tokens, expired tokens, wrong group ids.
    package var attackRate: Double {
        get { box.own.attackRate }
        set { updateOwn { $0.attackRate = newValue } }
    }
    /// Simulated services this client calls (`SimulatedService`), each at its rate per second.
    package var serviceLoads: [(service: String, rate: Double)] {
        get { box.shared.fields.serviceLoads }
        set { updateShared { $0.serviceLoads = newValue } }
    }
    /// The services the cluster serves (where the client's service calls draw their requests).
    package var services: ServiceRegistry {
        get { box.shared.fields.services }
        set { updateShared { $0.services = newValue } }
    }
    /// The end of the load phase (ns of virtual time): no new pushes, chat lines or attacks after
    /// it, so the settle phase can drain; plain requests go on (liveness checks them).
    package var loadEndsAt: Int64 {
        get { box.shared.fields.loadEndsAt }
        set { updateShared { $0.loadEndsAt = newValue } }
    }
    /// Makes a plan. `userIndex` is the position of `user` in `users` when the caller knows it
    /// (the runner does: finding it costs a search of `users` per client, N² for N clients);
    /// nil: it is searched for.
    package init(user: String, users: [String], userIndex: Int? = nil, frontends: [NodeName], gateway: NodeName?,
                requestRate: Double, pushRate: Double, chatRoom: String?, createsRoom: Bool, chatRate: Double,
                duplicateLoginAfter: Duration?) {
        precondition(userIndex.map { users.indices.contains($0) && users[$0] == user } ?? true,
                     "userIndex must be the position of user in users")
        box = Box(shared: SharedBox(Shared(users: users, frontends: frontends, gateway: gateway,
                                           requestRate: requestRate, pushRate: pushRate)),
                  own: Own(user: user, userIndex: userIndex ?? users.firstIndex(of: user) ?? 0, chatRoom: chatRoom,
                           createsRoom: createsRoom, chatRate: chatRate, duplicateLoginAfter: duplicateLoginAfter))
    }

    /// The plan of another client of the same run: this plan's shared fields (users, frontends,
    /// gateway, request and push rates, services and their loads, end of load), kept in the same
    /// box, with the client's own; no attacks (set `attackRate` after).
    /// - Returns: the plan, as `init` would make it with these fields.
    package func forClient(user: String, userIndex: Int, chatRoom: String?, createsRoom: Bool, chatRate: Double,
                           duplicateLoginAfter: Duration?) -> ClientPlan {
        precondition(users.indices.contains(userIndex) && users[userIndex] == user,
                     "userIndex must be the position of user in users")
        var plan = self
        plan.box = Box(shared: box.shared, own: Own(user: user, userIndex: userIndex, chatRoom: chatRoom,
                                                   createsRoom: createsRoom, chatRate: chatRate,
                                                   duplicateLoginAfter: duplicateLoginAfter))
        return plan
    }

    /// Whether `other` shares this plan's box of shared fields.
    package func sharesFields(with other: ClientPlan) -> Bool { box.shared === other.box.shared }
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
