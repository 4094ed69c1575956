import NetModel

/// One experiment: the cluster to build, the network it runs on, the load, the faults to inject
/// and the checks to run, as read from an experiment file (`docs/experiment-reference.md`).
///
/// Read one with `Experiment.load(path:)` or `Experiment.parse(_:)`; both validate
/// everything and report every problem at once as an ``ExperimentError``.
public struct Experiment: Sendable, Equatable {
    /// Short identifier shown in reports (`"frontend-failover"`). Required.
    public var name: String
    /// Free text shown at the top of the report. Default `""`.
    public var description: String
    /// The default RNG seed (`--seed N` overrides it). Default 1.
    public var seed: UInt64
    /// Virtual time under load and faults. Required, more than zero.
    public var duration: Duration
    /// Virtual time after `duration` with no new faults, for the liveness phase. Default 10s.
    public var settle: Duration
    /// Which nodes exist.
    public var cluster: ClusterShape
    /// Protocol timers of the nodes.
    public var timing: Timing
    /// Latency, loss and duplication, by default and per link.
    public var network: NetworkSpec
    /// The simulated clients and what they do.
    public var workload: Workload
    /// Faults in document order (the runner applies them by `at`, ties in this order).
    public var faults: [Fault]
    /// The checkers to run, in the document's order. Default: every ``CheckName``.
    public var checks: [CheckName]
    /// Optional metric thresholds that become pass/fail checks.
    public var expect: Expectations

    /// Makes an experiment; every parameter but `name`, `duration` and `cluster` has the file
    /// format's default. Call ``validate()`` to check cross-field rules.
    public init(name: String, description: String = "", seed: UInt64 = 1, duration: Duration,
                settle: Duration = .seconds(10), cluster: ClusterShape, timing: Timing = Timing(),
                network: NetworkSpec = NetworkSpec(), workload: Workload = Workload(),
                faults: [Fault] = [], checks: [CheckName] = CheckName.allCases,
                expect: Expectations = Expectations()) {
        self.name = name
        self.description = description
        self.seed = seed
        self.duration = duration
        self.settle = settle
        self.cluster = cluster
        self.timing = timing
        self.network = network
        self.workload = workload
        self.faults = faults
        self.checks = checks
        self.expect = expect
    }

    /// The server nodes of this experiment, sorted: `management-1`, `session-1`,
    /// `frontend-1` … `frontend-N`, then `chat-1` and `gateway-1` when enabled.
    public var nodeNames: [NodeName] {
        var names = [NodeName.management, NodeName.session]
        names += (1...max(1, cluster.frontends)).map { NodeName(.frontend, $0) }
        if cluster.chat { names.append(NodeName(.chat, 1)) }
        if cluster.gateway { names.append(NodeName(.gateway, 1)) }
        return names.sorted()
    }

    /// The simulated clients, `client-1` … `client-N` with N = `workload.clients`.
    public var clientNames: [NodeName] {
        workload.clients < 1 ? [] : (1...workload.clients).map { NodeName(.client, $0) }
    }

    /// Whether `name` is a server node or a client of this experiment.
    /// - Returns: true when `name` is in ``nodeNames`` or ``clientNames``.
    public func hasNode(_ name: NodeName) -> Bool {
        switch name.role {
        case .management, .session: name.index == 1
        case .frontend: name.index <= cluster.frontends
        case .chat: cluster.chat && name.index == 1
        case .gateway: cluster.gateway && name.index == 1
        case .client: name.index <= workload.clients
        case .chatDoor: false
        }
    }
}

/// The nodes of the cluster: one management and one session node always, `frontends` frontends,
/// and optionally a gateway and a chat node.
public struct ClusterShape: Sendable, Equatable {
    /// Number of frontends, 1 to ``ClusterShape/maximumFrontends``. Required in files.
    public var frontends: Int
    /// Whether `gateway-1` exists (clients then reach frontends through it). Default false.
    public var gateway: Bool
    /// Whether `chat-1` exists. Default false.
    public var chat: Bool

    /// The largest accepted `frontends`.
    public static let maximumFrontends = 1000

    /// Makes a cluster shape.
    public init(frontends: Int, gateway: Bool = false, chat: Bool = false) {
        self.frontends = frontends
        self.gateway = gateway
        self.chat = chat
    }
}

/// Protocol timers of the nodes.
public struct Timing: Sendable, Equatable {
    /// How often frontends ping the management node. Default 1s; more than zero.
    public var pingInterval: Duration
    /// How long without a ping before management removes a frontend. Default 3s; more than zero.
    public var pingTimeout: Duration
    /// How long a login token stays valid. Default 10m; more than zero.
    public var tokenLifetime: Duration
    /// How long an undelivered push is kept for its user. Default 30s; zero or more.
    public var pushRetention: Duration

    /// Makes timers; the defaults are the file format's.
    public init(pingInterval: Duration = .seconds(1), pingTimeout: Duration = .seconds(3),
                tokenLifetime: Duration = .seconds(600), pushRetention: Duration = .seconds(30)) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.tokenLifetime = tokenLifetime
        self.pushRetention = pushRetention
    }
}

/// The simulated network: default conditions and per-link overrides.
public struct NetworkSpec: Sendable, Equatable {
    /// Conditions of every link without an override. Default: ``LatencyDistribution/standard``,
    /// no drops, no duplicates.
    public var defaults: LinkConditions
    /// Overrides, one direction each, in document order. Default none.
    public var links: [LinkOverride]

    /// Makes a network spec.
    public init(defaults: LinkConditions = LinkConditions(), links: [LinkOverride] = []) {
        self.defaults = defaults
        self.links = links
    }

    /// The largest latency any link can draw (an exponential without `max` counts 20 means).
    public var maximumLatency: Duration {
        ([defaults] + links.map(\.conditions)).map { c -> Duration in
            switch c.latency {
            case .constant(let d): d
            case .uniform(_, let hi): hi
            case .exponential(let mean, _, let hi): hi ?? mean * 20
            case .bimodal(let fast, let slow, _): max(fast, slow)
            }
        }.max() ?? .zero
    }

    /// The conditions of traffic from `from` to `to`.
    /// - Returns: the conditions of the link override for exactly that direction, else `defaults`.
    public func conditions(from: NodeName, to: NodeName) -> LinkConditions {
        links.first { $0.from == from && $0.to == to }?.conditions ?? defaults
    }
}

/// Conditions for traffic in one direction between two nodes. Fields the file leaves out are the
/// network defaults (already filled in here).
public struct LinkOverride: Sendable, Equatable {
    /// The sender.
    public var from: NodeName
    /// The receiver.
    public var to: NodeName
    /// The complete conditions of this link.
    public var conditions: LinkConditions

    /// Makes a link override.
    public init(from: NodeName, to: NodeName, conditions: LinkConditions) {
        self.from = from
        self.to = to
        self.conditions = conditions
    }
}

/// The simulated clients and the load they generate. Rates are per client.
public struct Workload: Sendable, Equatable {
    /// Number of clients, `client-1` … `client-N`; 0 to ``Workload/maximumClients``. Default 0.
    public var clients: Int
    /// Clients start evenly spread over this time from 0. Default 0 (all at once).
    public var rampUp: Duration
    /// Stateless requests per client. Default 0.
    public var requestRate: Rate
    /// Pushes per client to a random other user, routed through the session node. Default 0.
    public var pushRate: Rate
    /// Chat rooms, when any. Default none.
    public var chat: ChatWorkload?
    /// Fraction of clients that log in a second time from another device. Default 0.
    public var duplicateLogins: Double
    /// Misbehaving clients (a project addition): the last `attacks.clients` clients also send
    /// requests with forged or expired tokens and backend calls with a wrong group id.
    public var attacks: Attacks?
    /// Calls of registered simulated services (a project addition), each at its rate per client.
    public var services: [ServiceLoad]

    /// The largest accepted `clients`.
    public static let maximumClients = 1_000_000

    /// Makes a workload; the defaults are the file format's.
    public init(clients: Int = 0, rampUp: Duration = .zero, requestRate: Rate = .zero,
                pushRate: Rate = .zero, chat: ChatWorkload? = nil, duplicateLogins: Double = 0,
                attacks: Attacks? = nil, services: [ServiceLoad] = []) {
        self.services = services
        self.clients = clients
        self.rampUp = rampUp
        self.requestRate = requestRate
        self.pushRate = pushRate
        self.chat = chat
        self.duplicateLogins = duplicateLogins
        self.attacks = attacks
    }
}

/// Calls of one simulated service (`SimulatedService`) that every client makes at `rate`, once
/// logged in, during the load phase.
public struct ServiceLoad: Sendable, Equatable {
    /// The service's name.
    public var service: String
    /// Calls per second per client.
    public var rate: Rate
    /// A load.
    public init(service: String, rate: Rate) {
        self.service = service
        self.rate = rate
    }
}

/// Misbehaving clients: each of the last `clients` clients, at `rate`, sends one of a request
/// with a forged token, a request with its own expired token (once it has one), or a backend
/// call with a wrong group id straight to the session node.
public struct Attacks: Sendable, Equatable {
    /// How many attackers (the last clients).
    public var clients: Int
    /// Attacks per second per attacker.
    public var rate: Rate
    /// Makes attack settings.
    public init(clients: Int = 1, rate: Rate = Rate(perSecond: 1)) {
        self.clients = clients
        self.rate = rate
    }
}

/// Chat rooms: the first `rooms × membersPerRoom` clients join them, `membersPerRoom` each in
/// client order, and every member sends `messageRate`.
public struct ChatWorkload: Sendable, Equatable {
    /// Number of rooms, 1 or more. Default 1.
    public var rooms: Int
    /// Members of each room, 1 or more. Default 2.
    public var membersPerRoom: Int
    /// Messages per member. Default 1/s.
    public var messageRate: Rate

    /// Makes a chat workload; the defaults are the file format's.
    public init(rooms: Int = 1, membersPerRoom: Int = 2, messageRate: Rate = Rate(perSecond: 1)) {
        self.rooms = rooms
        self.membersPerRoom = membersPerRoom
        self.messageRate = messageRate
    }
}

/// One fault: what happens, and when.
public struct Fault: Sendable, Equatable {
    /// Virtual time from the start of the run, at most the experiment's `duration`.
    public var at: Duration
    /// What happens.
    public var action: FaultAction

    /// Makes a fault.
    public init(at: Duration, action: FaultAction) {
        self.at = at
        self.action = action
    }
}

/// What a fault does. Clients are never named: they follow their frontend's or gateway's side.
public enum FaultAction: Sendable, Equatable {
    /// Lose the node's memory and everything in flight to and from it; with `restartAfter`, start
    /// a fresh node with the same name that long afterwards.
    case crash(NodeName, restartAfter: Duration?)
    /// Start a fresh node with the same name; the node must be crashed (without `restartAfter`).
    case restart(NodeName)
    /// Nodes in different groups cannot reach each other (with `oneWay`, only traffic from the
    /// first group to the second is cut). Nodes in no group are unaffected. Heals after `heal`,
    /// or at the end of `duration` when nil.
    case partition(groups: [[NodeName]], oneWay: Bool, heal: Duration?)
    /// Freeze the node (its messages queue) and resume it `resumeAfter` later.
    case pause(NodeName, resumeAfter: Duration)
    /// Shift the node's clock by `by` (may be negative) from this time on.
    case clockOffset(NodeName, by: Duration)
}

/// The checkers an experiment can run.
public enum CheckName: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Management's registry ends up listing exactly the live frontends.
    case registryConverges = "registry-converges"
    /// The session map ends up pointing each user at a live frontend holding their stream.
    case sessionMapConverges = "session-map-converges"
    /// No user has two live sessions at once after it settles.
    case singleSession = "single-session"
    /// Every push is delivered (or expired by retention) exactly as the rules say.
    case pushDelivery = "push-delivery"
    /// Every chat message reaches every room member that was connected.
    case chatDelivery = "chat-delivery"
    /// Backends only accept peers authenticated by management.
    case backendAuth = "backend-auth"
    /// Frontends only serve clients with a valid token.
    case clientAuth = "client-auth"
    /// After the settle phase every client is logged in and served again.
    case liveness = "liveness"
    /// A successful reply that names a push or a chat line comes after that push was held or
    /// that line was said.
    case acknowledgedEffects = "acknowledged-effects"
    /// No client request is executed twice, except by a node that lost its memory in a crash.
    case exactlyOnce = "exactly-once"
    /// Every room still in use gets a line through after the last fault, when the load lasts long
    /// enough after it.
    case chatLiveness = "chat-liveness"
    /// A push reaches a client connected all along within a bound when nothing disturbed its way.
    case pushPromptness = "push-promptness"
}

/// Thresholds that turn a metric into a pass/fail check. Each is optional; nil means not checked.
public struct Expectations: Sendable, Equatable {
    /// A crashed or cut-off frontend's users are served by another frontend within this time.
    public var failoverWithin: Duration?
    /// Management removes a crashed frontend from the registry within this time of the crash.
    public var detectionWithin: Duration?
    /// The 50th percentile of push delivery latency is below this.
    public var pushLatencyP50Below: Duration?
    /// The 99th percentile of push delivery latency is below this.
    public var pushLatencyP99Below: Duration?

    /// Makes expectations; all default to nil (not checked).
    public init(failoverWithin: Duration? = nil, detectionWithin: Duration? = nil,
                pushLatencyP50Below: Duration? = nil, pushLatencyP99Below: Duration? = nil) {
        self.failoverWithin = failoverWithin
        self.detectionWithin = detectionWithin
        self.pushLatencyP50Below = pushLatencyP50Below
        self.pushLatencyP99Below = pushLatencyP99Below
    }
}
