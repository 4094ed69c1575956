import Testing
import NetModel
import Nodes
@testable import ClusterSim

// Factories for the checker and metric tests: synthetic traces and snapshots, no simulator.

/// One trace event; `seq` is assigned by ``makeRun(_:snapshot:frontends:)`` or ``TraceBuilder``.
func makeEvent(at: Duration, kind: TraceKind = .node, node: NodeName? = nil, peer: NodeName? = nil,
               id: UInt64 = 0, label: String, detail: String = "") -> TraceEvent {
    TraceEvent(seq: 0, at: VirtualInstant.zero.advanced(by: at), kind: kind, node: node, peer: peer,
               messageID: id, label: label, detail: detail)
}

/// Short node names for the checker tests.
enum Fx {
    static func fe(_ i: Int) -> NodeName { NodeName(.frontend, i) }
    static func cl(_ i: Int) -> NodeName { NodeName(.client, i) }
    static let mgmt = NodeName.management
    static let session = NodeName.session
    static let chat = NodeName(.chat, 1)
}

/// A trace written in order.
struct TraceBuilder {
    private(set) var events: [TraceEvent] = []

    /// Appends a node event whose detail is `fields` written as text (`k1=v1 k2=v2`), as a trace
    /// read back from a file has it: checkers must read both text and structured details.
    mutating func log(_ at: Duration, _ node: NodeName, _ label: String,
                      _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) {
        let text = fields.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        events.append(makeEvent(at: at, node: node, label: label, detail: text))
    }

    /// Appends a network or fault event.
    mutating func net(_ at: Duration, _ kind: TraceKind, _ node: NodeName?, peer: NodeName? = nil, id: UInt64 = 0,
                      label: String = "Msg", detail: String = "") {
        events.append(makeEvent(at: at, kind: kind, node: node, peer: peer, id: id, label: label, detail: detail))
    }
}

/// A run of a small experiment (`frontends` frontends, 60s + 10s settle) over `events`, numbered
/// from 1 in the order given.
func makeRun(_ events: [TraceEvent], snapshot: ClusterSnapshot = ClusterSnapshot(), frontends: Int = 2,
             expect: Expectations = Expectations(), network: NetworkSpec = NetworkSpec()) -> RunRecord {
    let experiment = Experiment(name: "checks", duration: .seconds(60), cluster: ClusterShape(frontends: frontends),
                                network: network, expect: expect)
    var numbered = events
    for i in numbered.indices { numbered[i].seq = i + 1 }
    return RunRecord(experiment: experiment, events: numbered, snapshot: snapshot)
}

/// A connected client row.
func makeClient(_ i: Int, user: String, connected: Bool = true, frontend: Int? = 1, ok: Bool = true,
                retired: Bool = false) -> ClientRow {
    ClientRow(client: Fx.cl(i), user: user, connected: connected, frontend: connected ? frontend.map(Fx.fe) : nil,
              lastRequestOK: ok, retired: retired)
}

@Suite("Checker catalogue and detail formatting")
struct ChecksFactoryTests {
    @Test("make builds the checker of each name", arguments: CheckName.allCases)
    func makeNamesTheChecker(_ name: CheckName) {
        #expect(Checkers.make(name).name == name)
        #expect(Checkers.make(name).check(makeRun([])).name == name.rawValue)
    }

    @Test("run keeps the order of the names")
    func runOrder() {
        let names: [CheckName] = [.liveness, .registryConverges, .backendAuth]
        #expect(Checkers.run(names, on: makeRun([])).map(\.name) == names.map(\.rawValue))
    }

    @Test("runAll appends the expect thresholds")
    func runAllAppendsExpectations() {
        let run = makeRun([], expect: Expectations(failoverWithin: .seconds(5), pushLatencyP99Below: .milliseconds(200)))
        let names = Checkers.runAll(on: run, metrics: RunMetrics(run)).map(\.name)
        #expect(names == CheckName.allCases.map(\.rawValue) + ["expect.failoverWithin", "expect.pushLatencyP99Below"])
    }

    @Test("lists show the first five and a count", arguments: [
        (3, "i1, i2, i3"),
        (5, "i1, i2, i3, i4, i5"),
        (12, "i1, i2, i3, i4, i5, … (12 in all)"),
    ])
    func listFormatting(count: Int, expected: String) {
        #expect(Detail.list((1...count).map { "i\($0)" }) == expected)
    }

    @Test("counts leave out zeros")
    func countFormatting() {
        #expect(Detail.counts([("a", 0), ("b", 2), ("c", 12)]) == "b=2 c=12")
        #expect(Detail.counts([("a", 0)]) == "none")
    }

    @Test("the snapshot sorts what it is given")
    func snapshotSorts() {
        let s = ClusterSnapshot(liveServers: [Fx.fe(2), Fx.mgmt, Fx.fe(1)], registry: [Fx.fe(2), Fx.fe(1)],
                                sessionEntries: [SessionRow(user: "bob", frontend: Fx.fe(1), connection: 1),
                                                 SessionRow(user: "alice", frontend: Fx.fe(2), connection: 4)],
                                clients: [makeClient(2, user: "bob"), makeClient(1, user: "alice")])
        #expect(s.liveServers == [Fx.mgmt, Fx.fe(1), Fx.fe(2)])
        #expect(s.registry == [Fx.fe(1), Fx.fe(2)])
        #expect(s.sessionEntries?.map(\.user) == ["alice", "bob"])
        #expect(s.clients.map(\.client) == [Fx.cl(1), Fx.cl(2)])
    }

    @Test("the record's phases default to duration and duration + settle")
    func recordPhases() {
        let run = makeRun([])
        #expect(run.endOfLoad == VirtualInstant.zero.advanced(by: .seconds(60)))
        #expect(run.end == VirtualInstant.zero.advanced(by: .seconds(70)))
    }
}
