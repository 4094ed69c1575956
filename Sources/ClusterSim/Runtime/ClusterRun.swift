import NetModel
import Nodes

/// One simulated run of an experiment: the cluster of its `cluster` section as node actors on a
/// `SimNetwork`, its workload as simulated clients, its faults applied at their instants.
///
/// `run()` drives the simulation to `duration + settle` and returns what checkers and reports
/// need: the trace and a snapshot of the final state. It reads no wall clock.
public final class ClusterRun: @unchecked Sendable {
    /// The experiment.
    public let experiment: Experiment
    /// The seed actually used.
    public let seed: UInt64
    /// The simulator (its trace is the run's trace).
    package let simulator: Simulator
    let network: SimNetwork<ClusterMessage>
    let settings: ClusterSettings
    let liveness = SimNodeEnvironment.Liveness()
    /// The recycled action lists the run's node actors share (they all run on the simulator's
    /// single executor, one event at a time).
    let actionSpares = SharedActionSpares()
    /// The live incarnation of each node, by name (a client's at its number: 16 bytes a client,
    /// where a dictionary's slots took 1.6 to 2.6 times their 32 bytes at 10k to 100k clients).
    var nodes = DenseTable<NodeName, any ClusterNode>()
    /// The last incarnation of each node started, by name (a client's at its number: a table
    /// per client).
    var incarnations = DenseTable<NodeName, Int>()
    /// Each client's plan, by name (at its number).
    var plans = DenseTable<NodeName, ClientPlan>()
    /// The environment of each node's last incarnation, by name (a client's at its number): a
    /// crash marks it gone, a pause and a resume set its flag (its timers read both).
    var environments = DenseTable<NodeName, SimNodeEnvironment>()
    /// Test-only switches that plant known bugs (see `PlantedBugs`).
    public var plantedBugs = PlantedBugs()
    /// The services the cluster serves (frontends, the session node's backend services, and what
    /// the clients' `workload.services` call).
    public let services: ServiceRegistry

    /// Prepares a run of `experiment` with `seed` (the experiment's own when nil), its cluster
    /// serving `services`, whose trace keeps what `retention` says: by default only what the
    /// checks read after the run (the hash, the metrics and the checks are the same whatever it
    /// keeps); ``TraceRetention/everything`` for whatever reads the events afterwards
    /// (`trace.jsonl`, reports, `diff`, tests); ``TraceRetention/hashOnly`` when the run is not checked.
    public init(experiment: Experiment, seed: UInt64? = nil, services: ServiceRegistry = .standard,
                retention: TraceRetention = .checks) {
        self.experiment = experiment
        self.services = services
        self.seed = seed ?? experiment.seed
        simulator = Simulator(seed: self.seed, retention: retention)
        network = SimNetwork(scheduler: simulator, seed: self.seed, defaults: experiment.network.defaults,
                             trace: simulator.trace)
        for link in experiment.network.links { network.setLink(from: link.from, to: link.to, link.conditions) }
        // Every delivery to a node checks that it runs on the driver thread. Not
        // `assumeIsolated`: it asks the runtime for the current executor first (not set on the
        // event loop), then falls back to the same check — 11-mixed-1000 spent 2.2% of its
        // instructions there (docs/determinism.md, "Speed").
        let executor = simulator.executor
        network.receiverCheck = { executor.checkIsolated() }
        let t = experiment.timing
        settings = ClusterSettings(pingInterval: t.pingInterval, pingTimeout: t.pingTimeout,
                                   tokenLifetime: t.tokenLifetime, pushRetention: t.pushRetention)
        liveness.settings = settings
        liveness.onExit = { [unowned self] exited, incarnation in supervise(exited, incarnation: incarnation) }
    }

    /// A run let go ends its simulation and frees it. Three cycles would keep it alive: pending
    /// events and armed timers hold nodes and environments, environments hold the simulator, and
    /// an endpoint holds its node, whose environment holds its handle, which holds the endpoint.
    /// (In one process that runs many experiments, such as a test suite, each would stay.)
    deinit {
        simulator.discardPendingEvents()
        liveness.timers = TimerTable()
        liveness.heldTimers = [:]
        network.detachAll()
    }

    /// The end of the load phase.
    public var endOfLoad: VirtualInstant { VirtualInstant.zero.advanced(by: experiment.duration) }
    /// The end of the run (load, then settle).
    public var end: VirtualInstant { endOfLoad.advanced(by: experiment.settle) }

    /// Runs the experiment to its end.
    /// - Returns: the executor outcome (a run with foreign jobs is a failed run).
    @discardableResult
    package func run() -> RunOutcome {
        // The metrics and the streaming checkers scan the trace as it is recorded, off the driver thread.
        if simulator.trace.retention != .hashOnly {
            let checks = experiment.checks
            simulator.trace.attachScans { TraceScans(checks: checks, metrics: true) }
        }
        simulator.trace.record(.start, node: nil, peer: nil, messageID: 0, label: experiment.name,
                               detail: "seed=\(seed)")
        simulator.schedule(at: .zero) { [self] in
            // The planted non-determinism iterates a Set: its order changes from process to process.
            let order = plantedBugs.iterateSet ? Array(Set(experiment.nodeNames)) : experiment.nodeNames
            for name in order { spawn(name) }
        }
        scheduleWorkload()
        scheduleFaults()
        let outcome = simulator.run(until: end)
        return outcome
    }

    /// Starts (or restarts) `name` as a fresh actor with a fresh environment.
    func spawn(_ name: NodeName) {
        let incarnation = (incarnations[name] ?? 0) + 1
        incarnations[name] = incarnation
        let env = SimNodeEnvironment(name: name, simulator: simulator, incarnation: incarnation, liveness: liveness)
        environments[name] = env
        let node = ClusterBlueprint.makeNode(name, env: env, plan: plans[name], services: services,
                                             plantedBugs: plantedBugs, spares: actionSpares)
        attach(node, env: env)
    }

    private func attach<N: ClusterNode>(_ node: N, env: SimNodeEnvironment) {
        // The node receives its deliveries itself (`SimReceiver`), after the network's
        // `receiverCheck`, which `init` sets to the executor's driver-thread check.
        env.simHandle = network.attach(env.name, receiver: node)
        nodes[env.name] = node
        node.withSimulatorIsolation(simulator.executor) { $0.start() }
    }

    /// Crashes `name`: its actor, timers and in-flight traffic are gone.
    func crash(_ name: NodeName) {
        network.crash(name)
        environments[name]?.markGone()
        liveness.heldTimers[name] = nil
        nodes[name] = nil
    }

    /// A node's process ended (fenced): its supervisor crashes what is left of it now and starts
    /// a fresh incarnation `supervisorDelay` later, unless a fault restarted it first.
    func supervise(_ name: NodeName, incarnation: Int) {
        guard let env = environments[name], env.incarnation == incarnation, env.isLive else { return }
        simulator.trace.record(.fault, node: nil, peer: nil, messageID: 0, label: "fault", detail: NodeExit.marker(for: name))
        crash(name)
        simulator.schedule(after: supervisorDelay) { [self] in
            if incarnations[name] == incarnation { restart(name) }
        }
    }

    /// Starts a fresh incarnation of a crashed node.
    func restart(_ name: NodeName) {
        guard nodes[name] == nil else { return }
        simulator.trace.record(.restart, node: name, peer: nil, messageID: 0, label: "restart", detail: "")
        spawn(name)
    }

    func pause(_ name: NodeName) {
        guard nodes[name] != nil else { return }
        network.pause(name)
        environments[name]?.paused = true
    }

    func resume(_ name: NodeName) {
        network.resume(name)
        environments[name]?.paused = false
        for fire in liveness.heldTimers.removeValue(forKey: name) ?? [] { fire() }
    }
}

/// Bugs a test can plant to prove that sweeps, shrinking and checkers find them.
public struct PlantedBugs: Sendable {
    /// The session node removes a user on logout whatever the connection id (the seed's race).
    public var sessionIgnoresConnection = false
    /// The runner starts the server nodes in the iteration order of a `Set` (hash order, which
    /// changes from process to process) instead of by name: planted non-determinism for `simctl diff`.
    public var iterateSet = false
    /// Creates a set with no bug planted.
    public init() {}
}
