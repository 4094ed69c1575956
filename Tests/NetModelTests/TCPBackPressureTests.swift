import Foundation
import Synchronization
import Testing
@testable import NetModel

@Suite("TCP transport: inbound back-pressure and addresses learnt from hellos (real loopback)")
struct TCPBackPressureTests {
    @Test("a handler that stalls pauses reading (no unbounded queue); released, every message arrives in order")
    func stalledHandlerPausesReading() throws {
        let options = testOptions { $0.workerQueueLimit = 16 }
        try withNetwork(options) { network in
            let gate = DispatchSemaphore(value: 0)
            let received = Mutex<[Int]>([])
            let arrivals = ChangeSignal()
            let server = nodeName("frontend-1")
            _ = try network.attach(local: server, listen: .loopback()) { inbound in
                guard case .message(let e) = inbound else { return }
                if e.payload.n == 0 { _ = gate.wait(timeout: .now() + 5) }  // the first message blocks its worker (5 s at most)
                received.withLock { $0.append(e.payload.n) }
                arrivals.notify()
            }
            let c = try network.attach(local: nodeName("client-1"), listen: nil, handler: Inbox().handler)
            let total = 5_000
            // The first message blocks the server's worker; the rest are sent once the
            // connection is open (its hello and that message were read), so none of them has
            // to wait in the bounded queue of a connection still being opened, however slowly.
            c.send(Note(text: "m", n: 0), to: server)
            #expect(network.waitForStats { $0.framesIn == 2 })
            for i in 1..<total { c.send(Note(text: "m", n: i), to: server) }
            #expect(network.waitForStats { $0.readPauses >= 1 })
            gate.signal()
            #expect(arrivals.wait { received.withLock { $0.count } == total })
            #expect(received.withLock { $0 } == Array(0..<total))
            #expect(network.stats.totalDrops == 0)
        }
    }

    @Test("one-shot messages waiting out a back-off are bounded: the excess is dropped as queue-full")
    func boundedQueueWhileConnecting() throws {
        let options = testOptions {
            $0.maxQueuedWhileConnecting = 3
            $0.reconnectBaseMilliseconds = 400
            $0.reconnectCapMilliseconds = 400
        }
        try withNetwork(options) { network in
            let dead = try Socket.listen(on: .loopback())
            network.directory.set(try dead.localAddress, for: nodeName("frontend-1"))
            dead.close()
            let c = try network.attach(local: nodeName("client-1"), listen: nil, handler: Inbox().handler)
            c.send(Note(text: "first"), to: nodeName("frontend-1"))  // refused: back-off starts
            #expect(network.waitForStats { $0.drops["unreachable"] == 1 })
            for i in 0..<10 { c.send(Note(text: "waiting", n: i), to: nodeName("frontend-1")) }
            #expect(network.waitForStats { $0.drops["queue-full"] == 7 })
            #expect(network.waitForStats { $0.drops["unreachable"] == 4 })  // the retry fails too
        }
    }

    @Test("a connection closed for bad input is logged with the reason")
    func loggedReason() throws {
        let lines = Mutex<[String]>([])
        let logged = ChangeSignal()
        let options = testOptions {
            $0.log = { line in
                lines.withLock { $0.append(line) }
                logged.notify()
            }
        }
        try withNetwork(options) { network in
            let s = try network.attach(local: nodeName("frontend-1"), listen: .loopback(), handler: Inbox().handler)
            let bad = try RawPeer(connectingTo: try #require(s.listenAddress))
            try bad.hello(from: "client-2", to: "frontend-1")
            try bad.write([0xFF, 0xFF, 0xFF, 0xFF])
            #expect(bad.waitForClose())
            #expect(logged.wait { !lines.withLock { $0 }.isEmpty })
            let line = try #require(lines.withLock { $0 }.first)
            #expect(line.contains("frontend-1") && line.contains("client-2") && line.contains("oversized frame"))
        }
    }

    @Test("the acceptor learns the connector's listen address from its hello and can dial it back")
    func helloTeachesAddress() throws {
        let a = nodeName("session-1"), b = nodeName("management-1")
        try withNetwork { networkA in
            try withNetwork { networkB in
                let inboxA = Inbox(), inboxB = Inbox()
                let tA = try networkA.attach(local: a, listen: .loopback(), handler: inboxA.handler)
                let tB = try networkB.attach(local: b, listen: .loopback(), handler: inboxB.handler)
                networkA.directory.set(try #require(tB.listenAddress), for: b)
                #expect(networkB.directory.address(of: a) == nil)

                tA.send(Note(text: "register"), to: b)
                #expect(inboxB.wait { $0.count == 1 })
                #expect(networkB.directory.address(of: a) == tA.listenAddress)

                // Cut the connection from B's side; B's next send dials A's learnt address.
                networkB.block(from: b, to: a)
                #expect(networkB.waitForStats { $0.disconnects["blocked"] == 1 })
                networkB.unblock(from: b, to: a)
                tB.send(Note(text: "welcome"), to: a)
                #expect(inboxA.wait { $0.messages.map(\.text) == ["welcome"] })
                #expect(networkB.stats.connectionsOpened == 1)
            }
        }
    }
}
