import NetModel

/// The management node's logic as a value type (seed 000's 관리서버): the `Registry`, the
/// handling of `register`, `ping` and `unregister`, the ping deadline and the forgiveness of the
/// manager's own pauses. Each event (`start`, a message, a timer) goes in with the clock reading
/// and comes out as the actions `ManagementNode`, the actor shell, carries out in order.
///
/// **Deadline-driven.** There is no periodic tick: one timer, `.pingDeadline`, is armed at
/// `Registry.nextDeadline` — the instant the node silent longest will have been silent for
/// `pingTimeout` — and moved (`.cancel` then `.schedule`) after every event that moves that
/// instant. When it fires, the nodes due are removed, told about and fenced.
///
/// **A paused manager.** A process that was paused (or starved) runs late: its timers fire late
/// and the traffic held meanwhile arrives at once. The core remembers when it last ran and when
/// its deadline timer is due; an event that finds that timer overdue by more than
/// `lateness` proves the manager did not run when it should have, so the silence since it last
/// ran says nothing about the nodes: every node's silence clock moves forward by that gap
/// (`Registry.forgive`) before any ping is judged or anyone is removed. A pause that ends before
/// the next deadline needs no forgiveness (nothing came due while asleep; the pings held
/// meanwhile arrive before any deadline) and is not noticed.
struct ManagementCore {
    /// What the shell does.
    enum Action: Equatable {
        /// Send a one-shot message.
        case send(ClusterMessage, to: NodeName)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record a message the manager did not expect.
        case unexpected(ClusterMessage, from: NodeName)
        /// Call `fire(timer, now:)` after `after` (the timer is not armed already).
        case schedule(Timer, after: Duration)
        /// Disarm a timer scheduled before (it must not fire).
        case cancel(Timer)
    }

    /// The manager's timers.
    enum Timer: Hashable, Sendable {
        /// The next ping deadline (`Registry.nextDeadline`): whoever is silent for `pingTimeout`
        /// by then is removed.
        case pingDeadline
    }

    /// The registered nodes.
    private(set) var registry: Registry
    /// The address the manager registers itself with.
    let address: String
    /// How late a timer may fire before it counts as a pause of the manager (a loaded machine's
    /// scheduling delay is far less; the simulator fires timers on time).
    let lateness: Duration
    /// Whether the manager registered itself (it serves from then on).
    private(set) var started = false
    /// The clock reading of the last event the manager handled (nil before the first).
    private(set) var lastRan: VirtualInstant?
    /// When the armed `.pingDeadline` timer is due (nil when none is armed).
    private(set) var armedDeadline: VirtualInstant?

    /// The clock reading of the event being handled.
    private var now: VirtualInstant = .zero
    /// The actions of the event being handled.
    private var actions: [Action] = []

    /// A manager named `manager` serving at `address` for nodes of `version`; `pingTimeout`
    /// silence removes a node. Use `makeManagementCore(…)`.
    init(manager: NodeName, address: String, version: String, pingTimeout: Duration, lateness: Duration) {
        registry = Registry(expectedVersion: version, pingTimeout: pingTimeout, manager: manager)
        self.address = address
        self.lateness = lateness
    }

    // MARK: reading

    /// The registered nodes, sorted (for checkers).
    var registeredNodes: [NodeName] { registry.liveNodes }

    // MARK: events

    /// The manager starts: it registers itself, which opens registration to the others.
    /// - Returns: the `registered` record (nothing when started already).
    mutating func start(now: VirtualInstant) -> [Action] {
        guard !started else { return [] }
        begin(now)
        started = true
        if case .accepted(let epoch, _, _) = registry.registerSelf(address: address, now: now) {
            log(NodeLog.registered, ["epoch": .number(UInt64(epoch))])
        }
        return end()
    }

    /// A message from `source`.
    /// - Returns: the answer and what the registry decided (notices, removals, fences).
    mutating func receive(_ message: ClusterMessage, from source: NodeName, now: VirtualInstant) -> [Action] {
        begin(now)
        switch message {
        case .register(let address, let version, let incarnation):
            switch registry.register(name: source, address: address, version: version, incarnation: incarnation, now: now) {
            case .accepted(let epoch, let config, let effects):
                log(NodeLog.nodeJoined, ["name": .name(source), "epoch": .number(UInt64(epoch))])
                actions.append(.send(.registerAccepted(epoch: epoch, config: config), to: source))
                apply(effects)
            case .repeated(let epoch, let config):
                actions.append(.send(.registerAccepted(epoch: epoch, config: config), to: source))
            case .rejected(let why):
                actions.append(.send(.registerRejected(reason: why.description), to: source))
            }
        case .ping(let epoch):
            let known = registry.ping(name: source, epoch: epoch, now: now) == .ok
            actions.append(.send(.pong(known: known, config: known ? registry.currentConfig : nil), to: source))
        case .unregister(let epoch):
            apply(registry.unregister(name: source, epoch: epoch, now: now))
        default:
            actions.append(.unexpected(message, from: source))
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    /// - Returns: the removals due now (each: its record, the notice to the others, the fence).
    mutating func fire(_ timer: Timer, now: VirtualInstant) -> [Action] {
        switch timer {
        case .pingDeadline:
            begin(now)
            // It fired: nothing is armed any more (`end` arms the next deadline).
            armedDeadline = nil
            apply(registry.tick(now: now))
            return end()
        }
    }

    // MARK: helpers

    /// Starts an event: notices a pause (the deadline timer overdue) and forgives it first.
    private mutating func begin(_ now: VirtualInstant) {
        self.now = now
        if let due = armedDeadline, let last = lastRan, due.advanced(by: lateness) < now {
            let gap = last.duration(to: now)
            registry.forgive(gap)
            log(NodeLog.managerWoke, ["asleep-ms": .text(String(gap.milliseconds))])
        }
        lastRan = now
    }

    /// Ends an event: moves the deadline timer to the registry's next deadline.
    private mutating func end() -> [Action] {
        let next = started ? registry.nextDeadline(now: now) : nil
        if next != armedDeadline {
            if armedDeadline != nil { actions.append(.cancel(.pingDeadline)) }
            if let next { actions.append(.schedule(.pingDeadline, after: now.duration(to: next))) }
            armedDeadline = next
        }
        let done = actions
        actions = []
        return done
    }

    private mutating func log(_ label: String, _ detail: TraceDetail) {
        actions.append(.log(label, detail))
    }

    private mutating func apply(_ effects: [RegistryEffect]) {
        for effect in effects {
            switch effect {
            case .removed(let name, let epoch, let reason, _, let lastHeard):
                log(NodeLog.nodeRemoved, ["name": .name(name), "epoch": .number(UInt64(epoch)), "reason": .text(reason.rawValue),
                                          "last-heard-ns": .signed(Int64(lastHeard.nanoseconds))])
            case .notifyAll(let recipients, let notice):
                for r in recipients { actions.append(.send(.notice(notice), to: r)) }
            case .fence(let name, _, let epoch):
                actions.append(.send(.stop(epoch: epoch), to: name))
            }
        }
    }
}

/// A manager's core: `manager` (default `management-1`) at `address` for nodes of `version`,
/// removing a node after `pingTimeout` of silence; a timer later than `lateness` (default a quarter
/// of `pingInterval`) counts as a pause of the manager.
func makeManagementCore(manager: NodeName = .management, address: String? = nil, version: String = "1.0",
                        pingInterval: Duration = .seconds(1), pingTimeout: Duration = .seconds(3),
                        lateness: Duration? = nil) -> ManagementCore {
    ManagementCore(manager: manager, address: address ?? manager.description, version: version,
                   pingTimeout: pingTimeout, lateness: lateness ?? pingInterval / 4)
}
