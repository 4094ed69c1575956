import Testing
import NetModel
@testable import ClusterSim

/// Streams under partitions, crashes and pauses: the cases the property test found or covers,
/// one by one. Constant 10 ms latency: an open sent at t arrives at t + 10 ms.
@Suite("Simulated network: streams under partitions, crashes and pauses")
struct SimNetworkStreamFaultTests {
    private func ms(_ n: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: n * 1_000_000) }

    private func events(_ h: NetHarness, at node: NodeName) -> [String] {
        h.streamEvents.filter { $0.at == node }.map(\.event)
    }

    @Test("a stream opened across a partition carries nothing; the opener learns after the connect timeout")
    func openAcrossCut() {
        let h = NetHarness()
        var id = 0
        h.at(.zero) { id = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.at(.milliseconds(1)) {
            let s = h.handles[f1]!.openStream(to: f2)
            h.handles[f1]!.send(Probe(n: 1), on: s)
            h.at(.milliseconds(200)) { h.handles[f1]!.send(Probe(n: 2), on: s) }   // after the heal: still nothing
        }
        h.at(.milliseconds(100)) { h.net.heal(id) }
        h.run()
        #expect(h.values(at: f2) == [])
        #expect(events(h, at: f2) == [])
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 partition"])
        #expect(h.streamEvents.first?.when == ms(1001))
        #expect(h.drops(reason: "partition").map(\.label) == ["Probe", "Probe"])
        #expect(!h.sim.trace.events.contains { $0.kind == .send && $0.label == "Probe" })
    }

    @Test("an opener that closes an open that crossed a cut is not told of its timeout")
    func openAcrossCutClosedByOpener() {
        let h = NetHarness()
        h.at(.zero) { _ = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.at(.milliseconds(1)) {
            let s = h.handles[f1]!.openStream(to: f2)
            h.at(.milliseconds(50)) { h.handles[f1]!.closeStream(s) }
        }
        h.run()
        #expect(h.streamEvents.isEmpty)
    }

    @Test("a one-way partition either way round resets an established stream at both ends", arguments: [false, true])
    func oneWayResets(acceptorFirst: Bool) {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(45)) { h.handles[f1]!.send(Probe(n: 7), on: StreamID(1)) }   // in flight at the cut
        h.at(.milliseconds(50)) {
            _ = h.net.partition(Partition(groups: acceptorFirst ? [[f2], [f1]] : [[f1], [f2]], oneWay: true))
        }
        h.run()
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 partition"])
        #expect(events(h, at: f2) == ["opened s1 from frontend-1", "closed s1 peer frontend-1 partition"])
        #expect(h.values(at: f2) == [])
        #expect(h.drops(reason: "partition").count == 1)
    }

    @Test("a partition while the open is in flight: the opener learns at once, the acceptor never hears of it")
    func partitionDuringOpen() {
        let h = NetHarness()
        var id = 0
        h.at(.zero) {
            let s = h.handles[f1]!.openStream(to: f2)
            h.handles[f1]!.send(Probe(n: 1), on: s)
        }
        h.at(.milliseconds(5)) { id = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.at(.milliseconds(6)) { h.net.heal(id) }
        h.run()
        #expect(events(h, at: f2) == [])
        #expect(h.values(at: f2) == [])
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 partition"])
        #expect(h.streamEvents.first?.when == ms(5))
    }

    @Test("an opener that crashes while its open is in flight: the acceptor hears nothing")
    func openerCrashDuringOpen() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(5)) { h.net.crash(f1) }
        h.at(.milliseconds(6)) { h.attach(f1) }
        h.run()
        #expect(h.streamEvents.isEmpty)
    }

    @Test("an acceptor that restarts while the open is in flight: the new incarnation hears nothing")
    func acceptorRestartDuringOpen() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(5)) { h.net.crash(f2) }
        h.at(.milliseconds(6)) { h.attach(f2) }
        h.run()
        #expect(events(h, at: f2) == [])
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 peer-crashed"])
    }

    @Test("a pause holds the open, the messages and the close, in order, until resume")
    func pauseHoldsStreamTraffic() {
        let h = NetHarness()
        h.at(.zero) { h.net.pause(f2) }
        h.at(.milliseconds(1)) {
            let s = h.handles[f1]!.openStream(to: f2)
            for i in 1...3 { h.handles[f1]!.send(Probe(n: i), on: s) }
            h.at(.milliseconds(30)) { h.handles[f1]!.closeStream(s) }
        }
        h.at(.milliseconds(500)) { h.net.resume(f2) }
        h.run()
        let atF2 = h.sim.trace.events.filter { $0.node == f2 && ($0.kind == .deliver || $0.kind == .streamClose) }
        #expect(atF2.map(\.label) == ["stream-open", "Probe", "Probe", "Probe", "close"])
        #expect(atF2.allSatisfy { $0.at == ms(500) })
        #expect(h.values(at: f2) == [1, 2, 3])
    }

    @Test("a close notice in flight when a partition cuts the stream becomes a reset at once")
    func partitionCatchesCloseNotice() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(20)) { h.handles[f2]!.closeStream(StreamID(1)) }   // the notice lands at 30 ms
        h.at(.milliseconds(25)) { _ = h.net.partition(Partition(groups: [[f1], [f2]])) }
        h.run()
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 partition"])
        #expect(h.streamEvents.last?.when == ms(25))
    }

    @Test("a close whose sender crashes before it lands arrives as peer-crashed")
    func closerCrashes() {
        let h = NetHarness()
        h.at(.zero) { _ = h.handles[f1]!.openStream(to: f2) }
        h.at(.milliseconds(20)) { h.handles[f2]!.closeStream(StreamID(1)) }
        h.at(.milliseconds(25)) { h.net.crash(f2) }
        h.run()
        #expect(events(h, at: f1) == ["closed s1 peer frontend-2 peer-crashed"])
        #expect(h.streamEvents.last?.when == ms(30))
    }

    @Test("a node that crashes while resume hands over what it held loses the rest; its restart sees none of it")
    func crashDuringResume() {
        let h = NetHarness()
        var got: [Int] = []
        h.handles[f2] = h.net.attach(f2) { inbound in
            if case .message(let e) = inbound { got.append(e.payload.n); h.net.crash(f2) }
        }
        h.at(.zero) { h.net.pause(f2) }
        for i in 1...3 { h.send(i, from: f1, to: f2, at: .milliseconds(Int64(i))) }
        h.at(.milliseconds(100)) { h.net.resume(f2) }
        h.at(.milliseconds(200)) { h.attach(f2); h.net.pause(f2) }
        h.at(.milliseconds(300)) { h.net.resume(f2) }
        h.run()
        #expect(got == [1])
        #expect(h.values(at: f2) == [])
    }
}
