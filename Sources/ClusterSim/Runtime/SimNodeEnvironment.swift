import NetModel
import Nodes

/// A node's environment in a simulated run: virtual time with the node's clock offset, the node's
/// own seeded stream, timers on the simulator's heap that die with the node's incarnation, and the
/// run's trace.
final class SimNodeEnvironment: NodeEnvironment, @unchecked Sendable {
    let name: NodeName
    let simulator: Simulator
    let settings: ClusterSettings
    /// The node incarnation this environment belongs to; timers of an older one never fire.
    let incarnation: Int
    private let liveness: Liveness
    @exclusivity(unchecked) private var rng: SeededRandom
    @exclusivity(unchecked) var simTransport: SimTransport?
    /// What the run does when the node's process ends (`exitForRestart`).
    var onExit: (@Sendable (NodeName) -> Void)?

    /// Which incarnation of each node is live (shared by every environment of a run).
    final class Liveness: @unchecked Sendable {
        @exclusivity(unchecked) var current = EndpointTable<Int>()
        @exclusivity(unchecked) var paused = EndpointTable<Bool>()
        @exclusivity(unchecked) var nextTimer: UInt64 = 1
        /// Timers scheduled and neither fired nor cancelled, by id (ids are unique in the run).
        @exclusivity(unchecked) var pendingTimers = TimerSet()
        /// Timers of paused nodes, fired at resume in order.
        @exclusivity(unchecked) var heldTimers: [NodeName: [() -> Void]] = [:]
    }

    init(name: NodeName, simulator: Simulator, settings: ClusterSettings, incarnation: Int, liveness: Liveness) {
        self.name = name
        self.simulator = simulator
        self.settings = settings
        self.incarnation = incarnation
        self.liveness = liveness
        // Each incarnation draws its own stream, so a restarted node does not replay its past.
        self.rng = simulator.random(stream: incarnation == 1 ? name.description : "\(name)#\(incarnation)")
    }

    var transport: any Transport<ClusterMessage> { simTransport! }
    var groupID: String { settings.groupID }

    @discardableResult
    func send(_ message: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
        simTransport.unsafelyUnwrapped.handle.send(message, to: destination)
    }

    func send(_ message: consuming ClusterMessage, on stream: StreamID) {
        simTransport.unsafelyUnwrapped.handle.send(message, on: stream)
    }
    var executor: UnownedSerialExecutor { simulator.executor.asUnownedSerialExecutor() }
    var taskExecutor: (any TaskExecutor)? { simulator.executor }
    var now: VirtualInstant { VirtualInstant(nanoseconds: simulator.now.nanoseconds &+ simulator.clockOffset(of: name)) }
    var isLive: Bool { liveness.current[name] == incarnation }

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
        let id = liveness.nextTimer
        liveness.nextTimer += 1
        liveness.pendingTimers.insert(id)
        simulator.schedule(after: delay) { [self] in
            guard self.liveness.pendingTimers.remove(id), self.isLive else { return }
            if self.liveness.paused[self.name] == true {
                self.liveness.heldTimers[self.name, default: []].append { self.fire(timer: id, on: actor, body) }
            } else {
                self.fire(timer: id, on: actor, body)
            }
        }
        return TimerID(id)
    }

    /// Runs a timer's body on its actor (at its instant, or at the resume of a paused node).
    private func fire<A: Actor>(timer id: UInt64, on actor: A, _ body: @escaping @Sendable (isolated A) -> Void) {
        simulator.trace.record(.timer, node: name, peer: nil, messageID: id, label: "timer", detail: "")
        actor.callIsolated(simulator.executor, body)
    }

    func exitForRestart() {
        guard isLive, let onExit else { return }
        // At once, inside the handler that decided it: the rest of that handler's sends are a
        // zombie's (dropped), and nothing more reaches the node.
        onExit(name)
    }

    func cancelTimer(_ id: TimerID) { _ = liveness.pendingTimers.remove(id.rawValue) }

    func log(_ label: String, _ detail: consuming TraceDetail) {
        simulator.trace.record(.node, node: name, peer: nil, messageID: 0, label: label, fields: detail)
    }
}
