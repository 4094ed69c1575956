import NetModel
import Nodes

/// A node's environment in a simulated run: virtual time with the node's clock offset, the node's
/// own seeded stream, timers on the simulator's heap that die with the node's incarnation (kept as
/// data in the run's `TimerTable`, the heap holding only their keys; a token timer keeps no closure
/// at all, only the token its node gets back), and the run's trace.
final class SimNodeEnvironment: NodeEnvironment, @unchecked Sendable {
    let name: NodeName
    let simulator: Simulator
    /// The node incarnation this environment belongs to; timers of an older one never fire.
    let incarnation: Int
    private let liveness: Liveness
    @exclusivity(unchecked) private var rng: SeededRandom
    /// The node's handle on the simulated network; its sends go straight to it (the
    /// `transport` wrapper is made only when node code asks for one: one object less to load on
    /// every send).
    @exclusivity(unchecked) var simHandle: SimNetwork<ClusterMessage>.Handle?
    /// The node actor whose token timers this environment fires, set at its first token timer
    /// (unowned: the actor holds this environment; a timer fires only while its incarnation is
    /// live, and the run holds the live node's actor). Called through its type's witness, with no
    /// closure per node; read as a strong reference for the call (unowned, not `unowned(unsafe)`),
    /// so the actor outlives a timer that ends it.
    @exclusivity(unchecked) private unowned var tokenTimerTarget: (any TokenTimerTarget)?
    /// Whether this incarnation's node crashed (its timers never fire; `markGone`).
    @exclusivity(unchecked) private var gone = false
    /// Whether the node is paused: its timers are held until it resumes (set by the run).
    @exclusivity(unchecked) var paused = false

    /// The run's node timers, its settings and its supervisor (shared by every environment of a
    /// run: one copy each, not one per node).
    final class Liveness: @unchecked Sendable {
        /// The cluster's settings, every node's (`NodeEnvironment.settings`).
        @exclusivity(unchecked) var settings = ClusterSettings()
        /// What the run does when a node's process ends (`exitForRestart`): the node and its
        /// incarnation.
        @exclusivity(unchecked) var onExit: ((NodeName, Int) -> Void)?
        /// Every timer armed and neither fired nor swept, in slots; the heap holds their keys.
        @exclusivity(unchecked) var timers = TimerTable<ArmedTimer>()
        /// The simulator's target number for timers, once registered.
        @exclusivity(unchecked) var timerTarget = -1
        /// Timers of paused nodes, fired at resume in order.
        @exclusivity(unchecked) var heldTimers: [NodeName: [() -> Void]] = [:]

        /// The timer target on `simulator`, registered on first use.
        func timerTarget(on simulator: Simulator) -> Int {
            if timerTarget < 0 {
                timerTarget = simulator.register { [unowned(unsafe) self] slot in self.fire(slot: slot) }
            }
            return timerTarget
        }

        /// A timer's instant has come: runs it unless it was cancelled or its node incarnation is
        /// gone; holds it while the node is paused.
        private func fire(slot: Int) {
            guard let (id, armed) = timers.fire(slot: slot) else { return }
            let env = armed.environment
            guard env.isLive else { return }
            if env.paused {
                heldTimers[env.name, default: []].append { if env.isLive { env.fire(timer: id, armed) } }
            } else {
                env.fire(timer: id, armed)
            }
        }

        /// Cancels a timer; sweeps the heap once cancelled timers are half of it.
        func cancel(_ id: TimerID, on simulator: Simulator) {
            guard timers.cancel(id: id.rawValue, slot: id.slot) else { return }
            if timers.needsSweep(pendingEvents: simulator.pendingEvents) {
                simulator.dropEvents(target: timerTarget) { timers.sweep(slot: $0) }
            }
        }
    }

    /// A timer as data: whose it is and what it runs.
    struct ArmedTimer {
        /// The environment that armed it (its node incarnation).
        let environment: SimNodeEnvironment
        /// The body bound to its actor; nil for a token timer (`scheduleTimer(after:on:token:)`),
        /// which goes to the environment's `tokenTimerTarget`. A closure, not a generic struct in
        /// an existential: the struct's metadata is looked up on every arming from the
        /// unspecialised generic code (337 instructions each on 11-mixed-1000, more than the
        /// closure's allocation).
        var call: (() -> Void)? = nil
        /// A token timer's token.
        var token: UInt64 = 0
    }

    /// The environment of incarnation `incarnation` of `name` in the run whose shared state is
    /// `liveness` (its settings are the cluster's).
    init(name: NodeName, simulator: Simulator, incarnation: Int, liveness: Liveness) {
        self.name = name
        self.simulator = simulator
        self.incarnation = incarnation
        self.liveness = liveness
        // Each incarnation draws its own stream, so a restarted node does not replay its past.
        self.rng = simulator.random(stream: incarnation == 1 ? name.description : "\(name)#\(incarnation)")
    }

    var transport: any Transport<ClusterMessage> { SimTransport(simHandle!) }
    var settings: ClusterSettings { liveness.settings }
    var groupID: String { liveness.settings.groupID }

    @discardableResult
    func send(_ message: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
        simHandle.unsafelyUnwrapped.send(message, to: destination)
    }

    func send(_ message: consuming ClusterMessage, on stream: StreamID) {
        simHandle.unsafelyUnwrapped.send(message, on: stream)
    }
    var executor: UnownedSerialExecutor { simulator.executor.asUnownedSerialExecutor() }
    var taskExecutor: (any TaskExecutor)? { simulator.executor }
    var now: VirtualInstant { VirtualInstant(nanoseconds: simulator.now.nanoseconds &+ simulator.clockOffset(of: name)) }
    var isLive: Bool { !gone }

    /// This incarnation's node crashed: it is no longer live, and its timers never fire.
    func markGone() {
        gone = true
        paused = false
    }

    func random() -> UInt64 { rng.next() }

    /// Derived from the seed, the name and the restart count (its own stream, so drawing it does
    /// not move the node's other draws).
    var incarnationID: UInt64 {
        var stream = simulator.random(stream: "\(name)#\(incarnation)/incarnation")
        return stream.next() | 1
    }

    func runAfterEvent<A: Actor>(on actor: A, _ body: @escaping @Sendable (isolated A) -> Void) {
        let executor = simulator.executor
        executor.runSoon { actor.callIsolated(executor, body) }
    }

    @discardableResult
    func scheduleTimer<A: Actor>(after delay: Duration, on actor: A,
                                 _ body: @escaping @Sendable (isolated A) -> Void) -> TimerID {
        let executor = simulator.executor
        let (id, slot) = liveness.timers.arm(ArmedTimer(environment: self, call: { actor.callIsolated(executor, body) }))
        simulator.schedule(at: simulator.now.advanced(by: delay), target: liveness.timerTarget(on: simulator),
                           token: slot)
        return TimerID(id, slot: slot)
    }

    /// A timer as data for `actor`: no closure per timer, only its token (the node's callback is
    /// bound at its first token timer).
    @discardableResult
    func scheduleTimer<A: TokenTimerTarget>(after delay: Duration, on actor: A, token: UInt64) -> TimerID {
        if tokenTimerTarget == nil { tokenTimerTarget = actor }
        let (id, slot) = liveness.timers.arm(ArmedTimer(environment: self, token: token))
        simulator.schedule(at: simulator.now.advanced(by: delay), target: liveness.timerTarget(on: simulator),
                           token: slot)
        return TimerID(id, slot: slot)
    }

    /// Runs a timer's body on its actor (at its instant, or at the resume of a paused node): the
    /// live node's actor, so a token timer's callback finds it.
    fileprivate func fire(timer id: UInt64, _ armed: ArmedTimer) {
        simulator.trace.record(.timer, node: name, peer: nil, messageID: id, label: "timer", detail: "")
        if let call = armed.call {
            call()
        } else {
            simulator.executor.checkIsolated()
            tokenTimerTarget.unsafelyUnwrapped.timerFiredOnSimulatorLoop(token: armed.token)
        }
    }

    func exitForRestart() {
        guard isLive, let onExit = liveness.onExit else { return }
        // At once, inside the handler that decided it: the rest of that handler's sends are a
        // zombie's (dropped), and nothing more reaches the node.
        onExit(name, incarnation)
    }

    func cancelTimer(_ id: TimerID) { liveness.cancel(id, on: simulator) }

    func log(_ label: String, _ detail: consuming TraceDetail) {
        simulator.trace.record(.node, node: name, peer: nil, messageID: 0, label: label, fields: detail)
    }
}

