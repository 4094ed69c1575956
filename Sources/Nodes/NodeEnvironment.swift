import NetModel

/// Everything a node gets from outside: its name, transport, time, randomness, timers, the
/// cluster's settings and a place to log.
///
/// Nodes never read the wall clock or unseeded randomness. The simulator implements this with
/// virtual time and the run's seeded streams; a real runtime with real time. The node actor runs
/// on `executor`, which the environment chooses (the simulator's single-threaded executor in a
/// simulated run).
package protocol NodeEnvironment: AnyObject, Sendable {
    /// The node this environment serves.
    var name: NodeName { get }
    /// The node's transport (set once the node is attached).
    var transport: any Transport<ClusterMessage> { get }
    /// The executor the node's actor must run on.
    var executor: UnownedSerialExecutor { get }
    /// Where the node's tasks run their nonisolated code (a frontend service's handler): the
    /// simulator's executor in a simulated run, so a handler is as deterministic as the node; nil
    /// for the default global executor.
    var taskExecutor: (any TaskExecutor)? { get }
    /// The node's clock reading (virtual time plus the node's clock offset), in nanoseconds.
    var now: VirtualInstant { get }
    /// The cluster-wide settings.
    var settings: ClusterSettings { get }
    /// The clock of login tokens (`iat`, `exp`), in whole seconds: on the simulator the node's
    /// virtual seconds (`now`), on a real network seconds since the Unix epoch from the wall clock
    /// (plus the node's clock offset), so a token's expiry means the same on every frontend.
    var tokenSeconds: Int64 { get }
    /// The address the node registers with the manager (its listen address on a real network,
    /// which peers learn from the manager's configuration; its name on the simulator).
    var advertisedAddress: String { get }
    /// Draws 64 random bits from the node's own seeded stream.
    func random() -> UInt64
    /// 64 bits that tell this incarnation of the node from every other one (outbox generations,
    /// push-id tags): on the simulator derived from the seed, the name and the restart count; on a
    /// real network drawn from the operating system's randomness when the node starts, so a
    /// restarted process never reuses its predecessor's.
    var incarnationID: UInt64 { get }
    /// Runs `body` isolated to `actor` once the event being handled is over, in order with the
    /// node's task jobs: exactly where a task started now would run its first step (on the
    /// simulator, in the executor's FIFO queue; on a real network, posted to the node's mailbox).
    func runAfterEvent<A: Actor>(on actor: A, _ body: @escaping @Sendable (isolated A) -> Void)
    /// Runs `body` isolated to `actor` after `delay`, unless cancelled first or the node crashed.
    /// - Returns: an id for `cancelTimer(_:)`.
    @discardableResult
    func scheduleTimer<A: Actor>(after delay: Duration, on actor: A,
                                 _ body: @escaping @Sendable (isolated A) -> Void) -> TimerID
    /// Calls `actor.timerFired(token:)` after `delay`, unless cancelled first or the node crashed:
    /// a timer as data, for a node that keeps its own timers by token (`TokenTimerTarget`). The
    /// simulator keeps only the token, not a closure per timer.
    /// - Returns: an id for `cancelTimer(_:)`.
    @discardableResult
    func scheduleTimer<A: TokenTimerTarget>(after delay: Duration, on actor: A, token: UInt64) -> TimerID
    /// Cancels a pending timer; a no-op for one that fired or was cancelled.
    func cancelTimer(_ id: TimerID)
    /// The node's process ends (it was fenced: a zombie must not serve) and its supervisor starts a
    /// fresh incarnation: on the simulator a crash at once (the rest of the current handler runs as
    /// a zombie: what it sends is dropped) and a restart `supervisorDelay` later; on a real network
    /// the process's runtime decides (it may only stop serving).
    func exitForRestart()
    /// Records a node-level event in the trace: `label` a stable kind (`registered`,
    /// `push-accepted`, see `NodeLog`), `detail` its fields (`["user": .text(u), "seq": .number(7)]`).
    func log(_ label: String, _ detail: consuming TraceDetail)
    /// Whether `log` records anything: false in a real node process whose trace nobody reads
    /// (no hash, no tap), where a node may skip building the details of its per-push records.
    var recordsNodeEvents: Bool { get }
    /// The cluster's backend group id, `settings.groupID` (read on every backend call, so an
    /// environment may answer without copying the whole settings).
    var groupID: String { get }
    /// Sends a one-shot message, as `transport.send(_:to:)` (an environment may forward it without
    /// handing out its transport on every send).
    /// - Returns: the message id.
    @discardableResult
    func send(_ message: consuming ClusterMessage, to destination: NodeName) -> UInt64
    /// Sends on an open stream, as `transport.send(_:on:)`.
    func send(_ message: consuming ClusterMessage, on stream: StreamID)
}

/// How long a supervisor waits before it starts a node whose process ended (fenced).
package let supervisorDelay: Duration = .seconds(1)

extension NodeEnvironment {
    package var groupID: String { settings.groupID }

    package var taskExecutor: (any TaskExecutor)? { nil }

    package var recordsNodeEvents: Bool { true }

    /// Virtual seconds: the simulator's token clock.
    package var tokenSeconds: Int64 { now.nanoseconds / 1_000_000_000 }

    @discardableResult
    package func send(_ message: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
        transport.send(message, to: destination)
    }

    package func send(_ message: consuming ClusterMessage, on stream: StreamID) { transport.send(message, on: stream) }

    /// The node's name: the simulator addresses nodes by name.
    package var advertisedAddress: String { name.description }

    /// A uniform draw in [0, 1).
    package func randomUnit() -> Double { Double(random() >> 11) * 0x1.0p-53 }

    /// By default a token timer is a timer whose body hands the token back.
    @discardableResult
    package func scheduleTimer<A: TokenTimerTarget>(after delay: Duration, on actor: A, token: UInt64) -> TimerID {
        scheduleTimer(after: delay, on: actor) { $0.timerFired(token: token) }
    }
}

/// A node actor whose timers are data: it arms each with a token
/// (`NodeEnvironment.scheduleTimer(after:on:token:)`) and keeps what the timer means itself.
package protocol TokenTimerTarget: Actor {
    /// The timer armed with `token` is due.
    func timerFired(token: UInt64)
    /// The same, called from the simulator's loop (a requirement, so that each node type has its
    /// own specialized witness; the default, in SimulatorLoopCalls.swift, is the one to use).
    nonisolated func timerFiredOnSimulatorLoop(token: UInt64)
}

/// A timer's handle.
package struct TimerID: Hashable, Sendable {
    /// The raw number, unique within a run.
    package let rawValue: UInt64
    /// Where the environment keeps the timer (the simulator: its slot), or -1.
    package let slot: Int
    /// Wraps a raw number and, if the environment has one, the timer's slot.
    package init(_ rawValue: UInt64, slot: Int = -1) {
        self.rawValue = rawValue
        self.slot = slot
    }
}

/// Settings every node of one cluster shares (from the experiment's `timing`, plus secrets).
package struct ClusterSettings: Sendable {
    /// The group id backend calls must carry.
    package var groupID: String
    /// The version nodes register with; the manager checks it.
    package var version: String
    /// The HS256 secret of login tokens.
    package var tokenSecret: [UInt8]
    /// Ping period.
    package var pingInterval: Duration
    /// Silence after which the manager removes a node.
    package var pingTimeout: Duration
    /// Login token lifetime.
    package var tokenLifetime: Duration
    /// How long unacknowledged pushes are kept for a disconnected user.
    package var pushRetention: Duration
    /// Defaults: 1 s pings, 3 s timeout, 10 min tokens, 30 s retention.
    package init(groupID: String = "k2svc", version: String = "1.0", tokenSecret: [UInt8] = Array("k2svc-secret".utf8),
                pingInterval: Duration = .seconds(1), pingTimeout: Duration = .seconds(3),
                tokenLifetime: Duration = .seconds(600), pushRetention: Duration = .seconds(30)) {
        self.groupID = groupID
        self.version = version
        self.tokenSecret = tokenSecret
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.tokenLifetime = tokenLifetime
        self.pushRetention = pushRetention
    }
}
