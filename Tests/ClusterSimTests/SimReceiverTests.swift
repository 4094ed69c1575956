import NetModel
import Nodes
import Testing
@testable import ClusterSim

/// A node on the simulator's executor that receives its traffic itself (`SimReceiver`) and notes
/// every arrival.
actor ReceiverProbe: SimReceiver {
    let executor: SimExecutor
    var arrivals: [String] = []
    init(executor: SimExecutor) { self.executor = executor }
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    nonisolated func receiveOnSimulatorLoop(_ inbound: consuming Inbound<Probe>) {
        let inbound = copy inbound
        assumeIsolated { $0.note(inbound) }
    }

    func note(_ inbound: Inbound<Probe>) {
        switch inbound {
        case .message(let e): arrivals.append("message \(e.payload.n) from \(e.source)")
        case .streamOpened(_, let peer): arrivals.append("opened from \(peer)")
        case .streamMessage(_, let peer, let p): arrivals.append("stream \(p.n) from \(peer)")
        case .streamClosed(_, let peer, let reason): arrivals.append("closed by \(peer) \(reason.rawValue)")
        }
    }
}

@Suite("Nodes that receive their simulated traffic themselves")
struct SimReceiverTests {
    /// Messages, a stream's open, frames and close, and deliveries held by a pause all reach the
    /// receiver in order, each after the network's check; a crashed receiver gets nothing more
    /// and is let go.
    @Test func everyArrivalReachesTheReceiverAfterTheCheck() {
        let world = NetHarness(nodes: [f1])
        var checks = 0
        world.net.receiverCheck = { checks += 1 }
        var probe: ReceiverProbe? = ReceiverProbe(executor: world.sim.executor)
        weak let released = probe
        let handle = world.net.attach(f2, receiver: probe!)
        world.send(1, from: f1, to: f2, at: .milliseconds(1))
        var stream: StreamID?
        world.at(.milliseconds(2)) { stream = world.handles[f1]!.openStream(to: f2) }
        world.at(.milliseconds(30)) { world.handles[f1]!.send(Probe(n: 2), on: stream!) }
        world.at(.milliseconds(31)) { world.net.pause(f2) }
        world.send(3, from: f1, to: f2, at: .milliseconds(32))
        world.at(.milliseconds(60)) { world.net.resume(f2) }
        world.at(.milliseconds(61)) { world.handles[f1]!.closeStream(stream!) }
        world.at(.milliseconds(100)) { world.net.crash(f2) }
        world.send(4, from: f1, to: f2, at: .milliseconds(101))
        world.run(.seconds(1))
        let arrivals = world.sim.inspect(probe!) { $0.arrivals }
        #expect(arrivals == ["message 1 from frontend-1", "opened from frontend-1", "stream 2 from frontend-1",
                             "message 3 from frontend-1", "closed by frontend-1 closed"])
        #expect(checks == arrivals.count)
        #expect(handle.isLive == false)
        probe = nil
        #expect(released == nil, "a crashed endpoint lets its receiver go")
    }

    /// A receiver attached to a network with no isolation check would get its arrivals unchecked:
    /// the attach stops the process instead, and with the check set the same attach works.
    @Test func attachingAReceiverNeedsTheCheck() async {
        await #expect(processExitsWith: .failure) {
            let world = NetHarness(nodes: [f1])
            _ = world.net.attach(f2, receiver: ReceiverProbe(executor: world.sim.executor))
        }
        await #expect(processExitsWith: .success) {
            let world = NetHarness(nodes: [f1])
            world.net.receiverCheck = {}
            _ = world.net.attach(f2, receiver: ReceiverProbe(executor: world.sim.executor))
        }
    }
}
