import NetModel
@testable import ClusterSim

/// The message of network tests: a number.
struct Probe: NetworkPayload, Equatable {
    var n: Int
    var traceLabel: String { "Probe" }
}

/// A simulator, a network and one recording handler per node: the smallest world in which to
/// watch the simulated network's fault model. Nodes here are plain closures; actor-based nodes
/// are exercised by the executor tests and the benchmark.
final class NetHarness: @unchecked Sendable {
    let sim: Simulator
    let net: SimNetwork<Probe>
    var handles: [NodeName: SimNetwork<Probe>.Handle] = [:]
    /// (receiving node, sender, value, instant) in delivery order.
    var received: [(at: NodeName, from: NodeName, n: Int, when: VirtualInstant)] = []
    var streamEvents: [(at: NodeName, event: String, when: VirtualInstant)] = []

    init(seed: UInt64 = 1, conditions: LinkConditions = LinkConditions(latency: .constant(.milliseconds(10))),
         nodes: [NodeName] = [NodeName(.frontend, 1), NodeName(.frontend, 2), NodeName(.frontend, 3)]) {
        sim = Simulator(seed: seed)
        net = SimNetwork(scheduler: sim, seed: seed, defaults: conditions, trace: sim.trace)
        for n in nodes { attach(n) }
    }

    func attach(_ name: NodeName) {
        handles[name] = net.attach(name) { [unowned self] inbound in
            switch inbound {
            case .message(let e):
                self.received.append((name, e.source, e.payload.n, self.sim.now))
            case .streamOpened(let id, let peer):
                self.streamEvents.append((name, "opened \(id) from \(peer)", self.sim.now))
            case .streamMessage(_, let peer, let p):
                self.received.append((name, peer, p.n, self.sim.now))
            case .streamClosed(let id, let peer, let reason):
                self.streamEvents.append((name, "closed \(id) peer \(peer) \(reason.rawValue)", self.sim.now))
            }
        }
    }

    /// Sends `n` from `a` to `b` at `instant`.
    func send(_ n: Int, from a: NodeName, to b: NodeName, at instant: Duration = .zero) {
        sim.schedule(at: VirtualInstant.zero.advanced(by: instant)) { [unowned self] in
            self.handles[a]!.send(Probe(n: n), to: b)
        }
    }

    /// Runs `action` on the event loop at `instant`.
    func at(_ instant: Duration, _ action: @escaping () -> Void) {
        sim.schedule(at: VirtualInstant.zero.advanced(by: instant), action)
    }

    func run(_ duration: Duration = .seconds(10)) { sim.run(until: VirtualInstant.zero.advanced(by: duration)) }

    func values(at node: NodeName) -> [Int] { received.filter { $0.at == node }.map(\.n) }

    func drops(reason: String) -> [TraceEvent] {
        sim.trace.events.filter { $0.kind == .drop && $0.detail == reason }
    }
}

let f1 = NodeName(.frontend, 1)
let f2 = NodeName(.frontend, 2)
let f3 = NodeName(.frontend, 3)
