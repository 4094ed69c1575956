import NetModel

/// The simulator throughput benchmark behind `simctl bench sim`: `nodes` node actors on the
/// simulated network pass messages to random peers (random latency, a drop probability) until
/// `messages` have been sent. Each delivery makes its receiver send one more, and with the drop
/// probability a second one, so losses are replaced and about `nodes × inFlightPerNode` messages
/// stay in flight.
package enum SimBenchmark {
    /// The benchmark's settings.
    package struct Settings: Sendable {
        /// Node actors.
        package var nodes = 1_000
        /// Messages sent in all.
        package var messages = 1_000_000
        /// Messages each node starts with in flight (so `nodes × inFlightPerNode` are in flight).
        package var inFlightPerNode = 4
        /// Link drop probability.
        package var drop = 0.01
        /// Link latency.
        package var latency = LatencyDistribution.exponential(mean: .milliseconds(2), min: .microseconds(100),
                                                             max: .milliseconds(50))
        /// The run seed.
        package var seed: UInt64 = 1
        /// Whether trace events are kept in memory (the hash is always computed).
        package var retainTrace = false
        /// Default settings: 1,000 nodes, 1,000,000 messages, 1% drop.
        package init() {}
    }

    /// What one run did.
    package struct Outcome: Sendable {
        /// Messages handed to a node.
        package let deliveries: Int
        /// Trace events recorded (send, deliver, drop).
        package let events: Int
        /// Messages sent.
        package let sent: Int
        /// Messages lost.
        package let dropped: Int
        /// The trace hash.
        package let traceHash: String
        /// Virtual time simulated.
        package let virtualTime: VirtualInstant
    }

    /// Runs the benchmark once, synchronously, on the calling thread.
    /// - Returns: the counts and the trace hash (timing is the caller's business).
    package static func run(_ settings: Settings) -> Outcome {
        let sim = Simulator(seed: settings.seed, retainTrace: settings.retainTrace)
        let network = SimNetwork<BenchMessage>(
            scheduler: sim, seed: settings.seed,
            defaults: LinkConditions(latency: settings.latency, drop: settings.drop), trace: sim.trace)
        let executor = sim.executor
        network.receiverCheck = { executor.checkIsolated() }
        let budget = Budget(remaining: settings.messages)
        let names = (1...settings.nodes).map { NodeName(.frontend, $0) }
        let handles = Handles()
        sim.schedule(at: .zero) {
            // Setup runs on the event loop, so the nodes are touched from their executor's thread.
            var nodes: [BenchNode] = []
            nodes.reserveCapacity(names.count)
            for name in names {
                let node = BenchNode(name: name, executor: sim.executor, peers: names, budget: budget,
                                     rng: sim.random(stream: name.description), replace: settings.drop)
                let handle = network.attach(name, receiver: node)
                handles.all.append(handle)
                node.withSimulatorIsolation(sim.executor) { $0.transport = Unmanaged.passUnretained(handle) }
                nodes.append(node)
            }
            for _ in 0..<settings.inFlightPerNode {
                for node in nodes { node.withSimulatorIsolation(sim.executor) { $0.sendOne() } }
            }
        }
        let outcome = withExtendedLifetime(handles) { sim.run(until: VirtualInstant(nanoseconds: .max)) }
        network.detachAll()
        precondition(outcome.isClean, outcome.foreignJobs.failureMessage ?? "")
        return Outcome(deliveries: network.stats.delivered, events: sim.trace.count, sent: network.stats.sent,
                       dropped: network.stats.dropped, traceHash: sim.trace.hash, virtualTime: outcome.reached)
    }
}

/// The benchmark's message: a hop counter.
package struct BenchMessage: NetworkPayload {
    /// Hops so far.
    package var hops: Int
    package var traceLabel: String { "Bench" }
}

/// The nodes' transport handles, kept for the run (the nodes hold theirs unowned).
final class Handles: @unchecked Sendable {
    var all: [SimNetwork<BenchMessage>.Handle] = []
}

/// How many sends are left in the whole run (shared by every node; driver thread only).
final class Budget: @unchecked Sendable {
    @exclusivity(unchecked) var remaining: Int
    init(remaining: Int) { self.remaining = remaining }
}

/// A node of the benchmark: forwards every message to a random peer while the budget lasts.
actor BenchNode: SimReceiver {
    let name: NodeName
    let executor: SimExecutor
    let peers: [NodeName]
    let budget: Budget
    @exclusivity(unchecked) var rng: SeededRandom
    let replace: Double
    /// Not retained (the run keeps the handles) and borrowed for each send: a strong stored
    /// handle, and an `unowned(unsafe)` one too, was retained and released around every send.
    @exclusivity(unchecked) var transport: Unmanaged<SimNetwork<BenchMessage>.Handle>?

    init(name: NodeName, executor: SimExecutor, peers: [NodeName], budget: Budget, rng: SeededRandom,
         replace: Double) {
        self.replace = replace
        self.name = name
        self.executor = executor
        self.peers = peers
        self.budget = budget
        self.rng = rng
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Receives from the simulator's loop, after the network's driver-thread check: no hop.
    /// (The function is a capture-free constant of the concrete argument type, as the cluster's
    /// nodes have it: no context, no thunk.)
    nonisolated func receiveOnSimulatorLoop(_ inbound: consuming Inbound<BenchMessage>) {
        let body: (isolated BenchNode, Inbound<BenchMessage>) -> Void = { node, inbound in node.receive(inbound) }
        unsafeBitCast(IsolatedBenchReceive(body: body), to: PlainBenchReceive.self).body(self, inbound)
    }

    func receive(_ inbound: Inbound<BenchMessage>) {
        guard case .message(let envelope) = inbound else { return }
        sendOne(hops: envelope.payload.hops + 1)
        if rng.chance(replace) { sendOne(hops: 0) }
    }

    func sendOne(hops: Int = 0) {
        guard budget.remaining > 0, let transport else { return }
        budget.remaining -= 1
        var peer = peers[Int(rng.next() % UInt64(peers.count))]
        if peer == name { peer = peers[(peer.index) % peers.count] }
        _ = transport._withUnsafeGuaranteedRef { $0.send(BenchMessage(hops: hops), to: peer) }
    }
}

/// A bench node's isolated `receive`, as stored.
private struct IsolatedBenchReceive { let body: (isolated BenchNode, Inbound<BenchMessage>) -> Void }
/// The same function seen as a plain one (the same layout).
private struct PlainBenchReceive { let body: (BenchNode, Inbound<BenchMessage>) -> Void }
