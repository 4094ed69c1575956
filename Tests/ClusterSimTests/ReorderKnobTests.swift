import Testing
import NetModel
@testable import ClusterSim

@Suite("The reorder knob: one-shot messages overtake each other, streams never do")
struct ReorderKnobTests {
    @Test("with a constant latency nothing reorders unless reorder is on; streams stay FIFO")
    func reorderConstantLatency() {
        for reorder in [0.0, 0.3] {
            let h = NetHarness(conditions: LinkConditions(latency: .constant(.milliseconds(5)), reorder: reorder))
            h.at(.zero) {
                let s = h.handles[f1]!.openStream(to: f3)
                for i in 0..<200 {
                    h.handles[f1]!.send(Probe(n: i), to: f2)
                    h.handles[f1]!.send(Probe(n: i), on: s)
                }
            }
            // Spread the sends over time so that a held-back message can be overtaken.
            for i in 200..<400 { h.send(i, from: f1, to: f2, at: .microseconds(Int64(i) * 100)) }
            h.run()
            let got = h.values(at: f2)
            #expect(got.count == 400)
            #expect(Set(got) == Set(0..<400))
            #expect((got == Array(0..<400)) == (reorder == 0), "reorder \(reorder)")
            #expect(h.values(at: f3) == Array(0..<200))
            // A held-back message takes 2× to 5× the latency.
            let late = h.received.filter { $0.at == f2 }.map { $0.when.nanoseconds }
            #expect(late.allSatisfy { $0 <= 40_000_000 + 25_000_000 })
        }
    }

    @Test("reorder 0 draws nothing: the trace is the one of a network without the knob")
    func reorderZeroDrawsNothing() {
        func hash(_ c: LinkConditions) -> String {
            let h = NetHarness(seed: 9, conditions: c)
            for i in 0..<100 { h.send(i, from: f1, to: f2, at: .microseconds(Int64(i) * 37)) }
            h.run()
            return h.sim.trace.hash
        }
        let latency = LatencyDistribution.uniform(min: .milliseconds(1), max: .milliseconds(9))
        #expect(hash(LinkConditions(latency: latency, drop: 0.1)) == hash(LinkConditions(latency: latency, drop: 0.1, reorder: 0)))
        #expect(hash(LinkConditions(latency: latency, drop: 0.1)) != hash(LinkConditions(latency: latency, drop: 0.1, reorder: 0.5)))
    }

    @Test("network.reorder and links[].reorder parse, inherit, validate and write back")
    func experimentField() throws {
        let text = #"""
        {"name": "t", "duration": "60s", "cluster": {"frontends": 2},
         "network": {"latency": {"distribution": "constant", "value": "2ms"}, "reorder": 0.25,
                     "links": [{"from": "frontend-1", "to": "session-1", "reorder": 0.5},
                               {"from": "session-1", "to": "frontend-1"}]}}
        """#
        let e = try Experiment.parse(text)
        #expect(e.network.defaults.reorder == 0.25)
        #expect(e.network.links.map(\.conditions.reorder) == [0.5, 0.25])
        let again = try Experiment.parse(e.jsonText())
        #expect(again.network == e.network)
        #expect(e.realNetworkNotes.contains { $0.hasPrefix("network.reorder: ignored over tcp") })
        var bad = e
        bad.network.defaults.reorder = 2
        let error = try #require(throws: ExperimentError.self) { try bad.validate() }
        #expect(error.issues.map(\.path) == ["network.reorder"])
        let plain = try Experiment.parse(#"{"name": "t", "duration": "60s", "cluster": {"frontends": 2}}"#)
        #expect(plain.network.defaults.reorder == 0)
        #expect(!plain.jsonText().contains("reorder"))
    }
}
