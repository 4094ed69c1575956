@testable import NetModel
@testable import ClusterSim

/// A small world for property tests of the simulated network's fault model: four nodes that send
/// random one-shot messages and stream messages and open and close streams, under a random
/// schedule of partitions (symmetric and one-way, with heals), crashes and restarts (re-attach),
/// and pauses and resumes. It keeps its own account of the faults (`FaultModelOracle`) and checks
/// every delivery against it as it happens; what breaks a rule lands in `violations`.
final class FaultModelWorld: @unchecked Sendable {
    let sim: Simulator
    let net: SimNetwork<Probe>
    var rng: SeededRandom
    let nodes = (1...4).map { NodeName(.frontend, $0) }
    var oracle = FaultModelOracle()
    /// Every handle ever made: old ones are dead and keep sending (zombie traffic).
    var handles: [NodeName: [SimNetwork<Probe>.Handle]] = [:]
    /// The streams each node's current incarnation knows (opened, or seen opened).
    var known: [NodeName: [StreamID]] = [:]
    var nextValue = 1
    let sink = ResumeCounter()

    init(seed: UInt64) {
        sim = Simulator(seed: seed)
        rng = SeededRandom(seed: seed, stream: "fault-schedule")
        let latencies: [LatencyDistribution] = [
            .constant(.milliseconds(5)), .uniform(min: .microseconds(100), max: .milliseconds(20)),
            .exponential(mean: .milliseconds(3), min: .microseconds(200), max: .milliseconds(40)),
            .bimodal(fast: .milliseconds(1), slow: .milliseconds(30), slowFraction: 0.2),
        ]
        let conditions = LinkConditions(latency: latencies[Int(rng.next() % 4)],
                                        drop: rng.chance(0.5) ? 0 : 0.05,
                                        duplicate: rng.chance(0.5) ? 0 : 0.2,
                                        reorder: rng.chance(0.5) ? 0 : 0.3)
        net = SimNetwork(scheduler: sim, seed: seed, defaults: conditions, trace: sink)
        net.connectTimeout = .milliseconds(150)
        for n in nodes { attach(n) }
    }

    func attach(_ name: NodeName) {
        let generation = oracle.restarted(name)
        known[name] = []
        let h = net.attach(name) { [unowned self] inbound in self.received(inbound, at: name, generation: generation) }
        handles[name, default: []].append(h)
    }

    /// Schedules random traffic and faults over `span`, then runs until everything has landed.
    func run(span: Duration = .seconds(2), step: Duration = .milliseconds(4)) {
        var t = Duration.zero
        while t < span {
            t += .nanoseconds(Int64(rng.next() % UInt64(2 * nanoseconds(step) + 1)))
            let r = Int(rng.next() % 100)
            sim.schedule(at: VirtualInstant.zero.advanced(by: t)) { [unowned self] in self.act(r) }
        }
        sim.run(until: VirtualInstant.zero.advanced(by: span + .seconds(2)))
        oracle.finish(resumes: sink.resumes)
    }

    private func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    private func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }

    private func later(_ max: Duration, _ action: @escaping () -> Void) {
        let ns = 1 + rng.next() % UInt64(nanoseconds(max))
        sim.schedule(at: sim.now.advanced(by: .nanoseconds(Int64(ns))), action)
    }

    /// One random action; `r` in 0..<100 picks it.
    private func act(_ r: Int) {
        let a = pick(nodes)
        var b = pick(nodes)
        while b == a { b = pick(nodes) }
        switch r {
        case 0..<38:
            // Mostly the live handle; sometimes a dead one (a zombie's send must go nowhere).
            let h = rng.chance(0.9) ? handles[a]!.last! : pick(handles[a]!)
            let n = nextValue; nextValue += 1
            oracle.sent(n, from: a, to: b, live: h.isLive)
            h.send(Probe(n: n), to: b)
        case 38..<70:
            guard let s = known[a].flatMap({ $0.isEmpty ? nil : pick($0) }) else { return }
            let n = nextValue; nextValue += 1
            oracle.sent(n, on: s, by: a)
            handles[a]!.last!.send(Probe(n: n), on: s)
        case 70..<79:
            guard oracle.isUp(a) else { return }
            let s = handles[a]!.last!.openStream(to: b)
            oracle.opened(s, by: a, to: b)
            known[a]!.append(s)
        case 79..<84:
            guard let s = known[a].flatMap({ $0.isEmpty ? nil : pick($0) }) else { return }
            oracle.closed(s, by: a)
            handles[a]!.last!.closeStream(s)
        case 84..<89:
            var groups: [[NodeName]] = [[], []]
            for n in nodes where rng.chance(0.8) { groups[Int(rng.next() % 2)].append(n) }
            guard !groups[0].isEmpty, !groups[1].isEmpty else { return }
            let p = Partition(groups: groups, oneWay: rng.chance(0.5))
            let key = oracle.partitioning(p)
            let id = net.partition(p)
            later(.milliseconds(300)) { [unowned self] in
                self.net.heal(id)
                self.oracle.healed(key)
            }
        case 89..<92:
            guard oracle.isUp(a) else { return }
            net.crash(a)
            oracle.crashed(a)
            known[a] = []
            later(.milliseconds(200)) { [unowned self] in self.attach(a) }
        case 92:
            attach(a)   // a restart without a crash first: re-attach crashes the live incarnation
        default:
            guard oracle.isUp(a), !net.isPaused(a) else { return }
            net.pause(a)
            let token = oracle.paused(a)
            later(.milliseconds(200)) { [unowned self] in
                guard self.oracle.isPaused(a, token: token) else { return }
                self.oracle.resuming(a)
                self.net.resume(a)
                self.oracle.resumed(a)
            }
        }
    }

    private func received(_ inbound: Inbound<Probe>, at node: NodeName, generation: Int) {
        switch inbound {
        case .message(let e):
            oracle.delivered(e.payload.n, at: node, generation: generation)
        case .streamMessage(let s, _, let p):
            oracle.delivered(p.n, at: node, generation: generation, stream: s)
        case .streamOpened(let s, let peer):
            oracle.streamOpened(s, at: node, from: peer, generation: generation)
            if oracle.isCurrent(node, generation) { known[node]!.append(s) }
        case .streamClosed(let s, _, let reason):
            oracle.streamClosed(s, at: node, reason: reason, generation: generation)
        }
    }
}

/// Counts what each `resume` says it released (`N held`), to compare with what the handler got.
final class ResumeCounter: TraceSink {
    var resumes: [Int] = []
    func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64, label: String, detail: String) {
        if kind == .resume, let n = Int(detail.split(separator: " ").first ?? "") { resumes.append(n) }
    }
}
