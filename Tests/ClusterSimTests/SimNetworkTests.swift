import Testing
import NetModel
@testable import ClusterSim

@Suite("Simulated network: fates, faults and streams")
struct SimNetworkTests {
    @Test("the drop probability is met within statistical bounds", arguments: [0.01, 0.1, 0.5])
    func dropRate(p: Double) {
        for seed in [1, 2, 3] as [UInt64] {
            let h = NetHarness(seed: seed, conditions: LinkConditions(latency: .uniform(min: .microseconds(100), max: .milliseconds(5)), drop: p))
            let n = 20_000
            h.at(.zero) { for i in 0..<n { h.handles[f1]!.send(Probe(n: i), to: f2) } }
            h.run()
            let dropped = Double(h.net.stats.dropped)
            let mean = Double(n) * p
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            #expect(abs(dropped - mean) < 5 * sd, "seed \(seed): \(dropped) dropped, expected \(mean) ± \(5 * sd)")
            #expect(h.net.stats.delivered + h.net.stats.dropped == n)
        }
    }

    @Test("duplicates arrive twice with the same message id")
    func duplicates() {
        let h = NetHarness(conditions: LinkConditions(latency: .constant(.milliseconds(1)), duplicate: 1))
        h.send(7, from: f1, to: f2)
        h.run()
        #expect(h.values(at: f2) == [7, 7])
        let ids = h.sim.trace.events.filter { $0.kind == .deliver }.map(\.messageID)
        #expect(ids.count == 2 && ids[0] == ids[1])
    }

    @Test("random latency reorders one-shot messages, streams never reorder")
    func reorderOnlyOutsideStreams() {
        let h = NetHarness(conditions: LinkConditions(latency: .uniform(min: .microseconds(1), max: .milliseconds(50))))
        h.at(.zero) {
            for i in 0..<200 { h.handles[f1]!.send(Probe(n: i), to: f2) }
            let s = h.handles[f1]!.openStream(to: f3)
            for i in 0..<200 { h.handles[f1]!.send(Probe(n: i), on: s) }
        }
        h.run()
        #expect(h.values(at: f2).count == 200)
        #expect(h.values(at: f2) != Array(0..<200), "uniform latency should reorder some messages")
        #expect(h.values(at: f3) == Array(0..<200))
    }

    @Test("a symmetric partition cuts both directions and heals")
    func symmetricPartition() {
        let h = NetHarness()
        var id = 0
        h.at(.milliseconds(1)) { id = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.send(1, from: f1, to: f2, at: .milliseconds(2))
        h.send(2, from: f2, to: f1, at: .milliseconds(2))
        h.send(3, from: f1, to: f3, at: .milliseconds(2))   // f3 is in no group: unaffected
        h.at(.milliseconds(100)) { h.net.heal(id) }
        h.send(4, from: f1, to: f2, at: .milliseconds(101))
        h.send(5, from: f2, to: f1, at: .milliseconds(101))
        h.run()
        #expect(h.values(at: f2) == [4])
        #expect(h.values(at: f1) == [5])
        #expect(h.values(at: f3) == [3])
        #expect(h.drops(reason: "partition").count == 2)
        #expect(h.sim.trace.events.contains { $0.kind == .heal })
    }

    @Test("a one-way partition cuts exactly the first group to the second")
    func oneWayPartition() {
        let h = NetHarness()
        h.at(.zero) { _ = h.net.partition(Partition(groups: [[f1], [f2, f3]], oneWay: true)) }
        h.send(1, from: f1, to: f2, at: .milliseconds(1))
        h.send(2, from: f1, to: f3, at: .milliseconds(1))
        h.send(3, from: f2, to: f1, at: .milliseconds(1))
        h.send(4, from: f3, to: f1, at: .milliseconds(1))
        h.send(5, from: f2, to: f3, at: .milliseconds(1))
        h.run()
        #expect(h.values(at: f1) == [3, 4])
        #expect(h.values(at: f2) == [])
        #expect(h.values(at: f3) == [5])
    }

    @Test("a partition that starts while a message is in flight drops it on arrival")
    func partitionCatchesInFlight() {
        let h = NetHarness()
        h.send(1, from: f1, to: f2)
        h.at(.milliseconds(5)) { _ = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.run()
        #expect(h.values(at: f2) == [])
        #expect(h.drops(reason: "partition").count == 1)
    }

    @Test("a crash loses in-flight traffic to and from the node; a restart is a fresh node")
    func crashLosesInFlight() {
        let h = NetHarness()
        h.send(1, from: f1, to: f2)                       // arrives at 10ms: f2 crashed at 5ms
        h.send(2, from: f2, to: f3)                       // from f2, in flight when it crashes
        h.at(.milliseconds(5)) { h.net.crash(f2) }
        h.at(.milliseconds(6)) { h.attach(f2) }           // restart: a new incarnation
        h.send(3, from: f1, to: f2, at: .milliseconds(7)) // sent to the new incarnation: delivered
        h.run()
        #expect(h.values(at: f2) == [3])
        #expect(h.values(at: f3) == [])
        #expect(h.drops(reason: "crashed").count == 1)
        #expect(h.drops(reason: "source-crashed").count == 1)
    }

    @Test("a dead handle's sends are dropped as zombie traffic")
    func zombieHandle() {
        let h = NetHarness()
        let old = h.handles[f2]!
        h.at(.milliseconds(1)) { h.net.crash(f2); h.attach(f2) }
        h.at(.milliseconds(2)) { old.send(Probe(n: 9), to: f1) }
        h.run()
        #expect(h.values(at: f1) == [])
        #expect(h.drops(reason: "zombie").count == 1)
    }

    @Test("a pause holds deliveries in order and resume releases them at that instant")
    func pauseQueues() {
        let h = NetHarness()
        h.at(.zero) { h.net.pause(f2) }
        for i in 1...3 { h.send(i, from: f1, to: f2, at: .milliseconds(Int64(i))) }
        h.at(.milliseconds(500)) { h.net.resume(f2) }
        h.run()
        #expect(h.values(at: f2) == [1, 2, 3])
        #expect(h.received.allSatisfy { $0.when == VirtualInstant(nanoseconds: 500_000_000) })
    }

    @Test("a stream's far end learns of a crash; opening to a dead node is refused")
    func streamsAndCrashes() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(50)) { h.net.crash(f2) }
        h.at(.milliseconds(60)) { _ = h.handles[f1]!.openStream(to: f2) }
        h.run()
        let f1Events = h.streamEvents.filter { $0.at == f1 }.map(\.event)
        #expect(f1Events == ["closed s1 peer frontend-2 peer-crashed", "closed s2 peer frontend-2 refused"])
        #expect(h.streamEvents.first { $0.at == f2 }?.event == "opened s1 from frontend-1")
    }

    @Test("a partition resets the streams that cross it, at both ends")
    func partitionResetsStreams() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(50)) { _ = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.run()
        let closes = h.streamEvents.filter { $0.event.hasSuffix("partition") }
        #expect(closes.map(\.at).sorted() == [f1, f2])
    }

    @Test("link overrides apply to one direction only")
    func linkOverride() {
        let h = NetHarness()
        h.net.setLink(from: f1, to: f2, LinkConditions(latency: .constant(.milliseconds(100))))
        h.send(1, from: f1, to: f2)
        h.send(2, from: f2, to: f1)
        h.run()
        #expect(h.received.first { $0.at == f2 }?.when == VirtualInstant(nanoseconds: 100_000_000))
        #expect(h.received.first { $0.at == f1 }?.when == VirtualInstant(nanoseconds: 10_000_000))
    }
}
