import Glibc
import NetModel
import Nodes
import Synchronization

/// One run of an experiment in real time on a real network (TCP on loopback, or the in-memory
/// `LocalFabric`): the same node actors as the simulator, each on a serial executor thread of a
/// small pool, the workload's clients and the faults started at their real instants by one
/// control thread, and the same record for the same checkers at the end.
///
/// `run()` blocks for `duration + settle` of real time. Nothing here is deterministic: the trace
/// hash identifies the run, it does not replay it.
package final class RealClusterRun: @unchecked Sendable {
    /// The experiment.
    package let experiment: Experiment
    /// The seed of the nodes' random streams and the workload plan.
    package let seed: UInt64
    /// The threads, timers and trace shared by every node of the run.
    package let runtime: RealRuntime
    let fabric: any RealFabric
    let settings: ClusterSettings
    /// Runs spawns and faults one at a time, in the order their instants come.
    let control = SerialThreadExecutor(label: "control")
    // The fields below are touched only on the control thread (and after it stopped).
    var nodes: [NodeName: RealNode] = [:]
    var incarnations: [NodeName: Int] = [:]
    var plans: [NodeName: ClientPlan] = [:]
    var attachFailures: [String] = []
    let partitions = PartitionTable()
    var nextPartitionID = 1
    /// What the frontends and the session node serve.
    let services: ServiceRegistry
    /// The trace hash when the record was taken (teardown records nothing that counts).
    var finalHash = ""

    /// Prepares a run of `experiment` on `fabric`.
    /// - Parameters:
    ///   - seed: the run seed (the experiment's own when nil).
    ///   - executorCount: node executor threads (the clients share them).
    ///   - services: what the frontends and the session node serve, and the clients call.
    ///   - tap: sees every trace event as it is recorded (tests that wait for the run's events).
    package init(experiment: Experiment, seed: UInt64? = nil, fabric: any RealFabric, executorCount: Int = 4,
                services: ServiceRegistry = .standard, tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        self.experiment = experiment
        self.services = services
        self.seed = seed ?? experiment.seed
        self.fabric = fabric
        runtime = RealRuntime(seed: self.seed, executorCount: executorCount, tap: tap)
        let t = experiment.timing
        var settings = ClusterSettings(pingInterval: t.pingInterval, pingTimeout: t.pingTimeout,
                                       tokenLifetime: t.tokenLifetime, pushRetention: t.pushRetention)
        // On TCP the cluster's own secret signs tokens (the built-in one is only the simulator's).
        if let secret = (fabric as? TCPFabric)?.secret { settings.tokenSecret = secret.tokenSecret }
        self.settings = settings
    }

    /// The end of the load phase (real time since the start).
    package var endOfLoad: VirtualInstant { VirtualInstant.zero.advanced(by: experiment.duration) }
    /// The end of the run (load, then settle).
    package var end: VirtualInstant { endOfLoad.advanced(by: experiment.settle) }

    /// Runs the experiment for `duration + settle` of real time, then freezes the nodes, reads
    /// their state and stops every thread and socket of the run.
    /// - Parameter drain: called at the end of the settle phase with the cluster still running; the
    ///   run ends when it returns (a test waits there, bounded, for work still in flight, so that
    ///   a starved machine's slowness is not judged as loss). The record's end is then the real one.
    /// - Returns: the record for the checkers.
    package func run(drain: (() -> Void)? = nil) -> RunRecord {
        let origin = runtime.trace.origin
        runtime.trace.record(.start, node: nil, peer: nil, messageID: 0, label: experiment.name, detail: "seed=\(seed)")
        let servers = experiment.nodeNames
        at(.zero) { [self] in for name in servers { spawn(name) } }
        var rng = SeededRandom(seed: seed, stream: "workload")
        for client in ClusterBlueprint.planClients(experiment, services: services, rng: &rng) {
            let name = client.name
            control.sync { [self] in plans[name] = client.plan }
            at(client.start) { [self] in spawn(name) }
        }
        for fault in ClusterBlueprint.orderedFaults(experiment) {
            at(fault.at) { [self] in apply(fault.action, at: VirtualInstant.zero.advanced(by: fault.at)) }
        }
        // Sleep until the end (real-time code: the wall clock is the point).
        let deadline = origin + end.nanoseconds
        while case let left = deadline - MonotonicClock.nanoseconds(), left > 0 {
            usleep(UInt32(min(left / 1000, 200_000)))
        }
        var endedAt = end
        if let drain {
            drain()
            endedAt = max(end, runtime.trace.elapsed)
        }
        var record: RunRecord?
        control.sync { [self] in record = finish(endedAt: endedAt) }
        control.shutdown()
        runtime.shutdown()
        return record!
    }

    /// Runs `action` on the control thread at `offset` of real time from the start.
    func at(_ offset: Duration, _ action: @escaping () -> Void) {
        let control = self.control
        runtime.timers.schedule(at: runtime.trace.origin &+ offset.nanosecondsClamped) { control.execute(action) }
    }

    /// Starts (or restarts) `name` as a fresh incarnation. Control thread only.
    func spawn(_ name: NodeName) {
        let incarnation = (incarnations[name] ?? 0) + 1
        incarnations[name] = incarnation
        let host = RealNode(name, plan: plans[name], settings: settings, incarnation: incarnation, runtime: runtime,
                            services: services)
        do {
            try host.attach(to: fabric, listens: name.role != .client)
            nodes[name] = host
        } catch {
            attachFailures.append("\(name): \(error)")
            host.crash()
        }
    }

    /// Freezes every node, reads the final state and the trace, then closes every node's sockets
    /// (the messages that teardown loses are not part of the run). Control thread.
    private func finish(endedAt: VirtualInstant) -> RunRecord {
        for name in nodes.keys.sorted() { nodes[name]!.pause() }
        let actors = nodes.compactMapValues(\.node)
        let snapshot = ClusterSnapshot.capture(nodes: actors, plans: plans, inspector: RealInspector())
        let events = runtime.trace.events
        finalHash = runtime.trace.hash
        for name in nodes.keys.sorted() { nodes[name]!.crash() }
        fabric.shutdown()
        return ClusterBlueprint.record(experiment, events: events, snapshot: snapshot, endOfLoad: endOfLoad, end: endedAt)
    }

    /// Checks a finished run's record (after `run()` returned): the experiment's checks, its
    /// `expect` thresholds and the runtime's own check.
    /// - Returns: the result (its trace hash covers exactly the record's events).
    package func evaluate(_ record: RunRecord) -> RunResult {
        RunResult.evaluate(experiment, seed: seed, record: record, traceCount: record.events.count,
                                  traceHash: finalHash, runtimeCheck: runtimeCheck,
                                  virtualTime: experiment.duration + experiment.settle)
    }

    /// The runtime's verdict on itself: every node attached. Read it after `run()` returned (the
    /// control thread has stopped then).
    package var runtimeCheck: CheckResult {
        let failures = attachFailures
        return CheckResult(name: "runtime", passed: failures.isEmpty,
                           detail: failures.isEmpty ? "every node incarnation attached to the network"
                                                    : "could not attach: " + failures.prefix(5).joined(separator: "; "))
    }
}

/// The partitions in force, read by the fabric's link rule from any thread.
final class PartitionTable: Sendable {
    private let list = Mutex<[(id: Int, partition: Partition)]>([])

    /// The links the partitions in force cut.
    var cutLinks: Set<Link> { list.withLock { Link.cut(by: $0.map(\.partition)) } }

    func add(_ id: Int, _ partition: Partition) { list.withLock { $0.append((id, partition)) } }

    func remove(_ id: Int) { list.withLock { $0.removeAll { $0.id == id } } }
}
