import Foundation
import Synchronization
import Testing
@testable import NetModel

@Suite("TCP transport: messages, connection reuse, streams, peer death, reconnect, blocks (real loopback)")
struct TCPTransportTests {
    let server = nodeName("frontend-1")
    let client = nodeName("client-1")

    @Test("messages both ways over one connection: the client has no listener, the server replies on it",
          arguments: [2, 0])   // worker threads; 0: the reactor's thread calls the handlers
    func reuseOneConnection(workers: Int) throws {
        try withNetwork(testOptions { $0.workers = workers }) { network in
            let serverInbox = Inbox(), clientInbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback(), handler: serverInbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: clientInbox.handler)
            #expect(s.listenAddress?.port ?? 0 != 0)
            #expect(c.listenAddress == nil)
            #expect(network.directory.address(of: server) == s.listenAddress)

            let n = 200
            var ids: [UInt64] = []
            for i in 0..<n { ids.append(c.send(Note(text: "ping", n: i), to: server)) }
            #expect(serverInbox.wait { $0.count == n })
            #expect(serverInbox.messages.map(\.n) == Array(0..<n))
            let envelopes = serverInbox.all.compactMap { if case .message(let e) = $0 { e } else { nil } }
            #expect(envelopes.map(\.id) == ids)
            #expect(envelopes.allSatisfy { $0.source == client && $0.destination == server })

            for i in 0..<n { s.send(Note(text: "pong", n: i), to: client) }
            #expect(clientInbox.wait { $0.count == n })
            #expect(clientInbox.messages.map(\.n) == Array(0..<n))

            let stats = network.stats
            #expect(stats.connectionsOpened == 1)
            #expect(stats.connectionsAccepted == 1)
            #expect(stats.framesIn == 2 * n + 1)  // + the hello
            #expect(stats.totalDrops == 0)
        }
    }

    @Test("JSON payloads work the same as MessagePack")
    func jsonCodec() throws {
        try withNetwork(testOptions { $0.codec = .json }) { network in
            let inbox = Inbox()
            _ = try network.attach(local: server, listen: .loopback(), handler: inbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: Inbox().handler)
            c.send(Note(text: "json \"quoted\" ü", n: -5), to: server)
            #expect(inbox.wait { $0.count == 1 })
            #expect(inbox.messages == [Note(text: "json \"quoted\" ü", n: -5)])
        }
    }

    @Test("streams both ways on one connection keep order, never mix ids, and close as .closed",
          arguments: [2, 0])   // worker threads; 0: the reactor's thread calls the handlers
    func streamsInOrder(workers: Int) throws {
        try withNetwork(testOptions { $0.workers = workers }) { network in
            let serverInbox = Inbox(), clientInbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback(), handler: serverInbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: clientInbox.handler)
            let up = c.openStream(to: server)
            for i in 0..<500 { c.send(Note(text: "up", n: i), on: up) }
            #expect(serverInbox.wait { $0.count == 501 })
            let seenUp = try #require(serverInbox.openedStreams.first)
            #expect(serverInbox.lines == ["open \(seenUp) client-1"] + (0..<500).map { "on \(seenUp) up#\($0)" })

            // The server opens one back on the same connection; its ids and the client's coexist.
            let down = s.openStream(to: client)
            for i in 0..<100 { s.send(Note(text: "down", n: i), on: down) }
            c.send(Note(text: "up", n: 500), on: up)
            #expect(clientInbox.wait { $0.count == 101 })
            #expect(serverInbox.wait { $0.count == 502 })
            let seenDown = try #require(clientInbox.openedStreams.first)
            #expect(seenDown != up)
            #expect(clientInbox.lines == ["open \(seenDown) frontend-1"] + (0..<100).map { "on \(seenDown) down#\($0)" })
            #expect(serverInbox.lines.last == "on \(seenUp) up#500")

            c.closeStream(up)
            s.closeStream(down)
            #expect(serverInbox.wait { $0.count == 503 })
            #expect(clientInbox.wait { $0.count == 102 })
            #expect(serverInbox.lines.last == "closed \(seenUp) closed")
            #expect(clientInbox.lines.last == "closed \(seenDown) closed")
            c.send(Note(text: "late", n: 0), on: up)  // the stream is gone: dropped, counted
            #expect(network.waitForStats { $0.drops["stream-closed"] == 1 })
            #expect(network.stats.connectionsOpened == 1)
        }
    }

    @Test("a peer that detaches (crashes) ends its streams at the other side with .peerCrashed",
          arguments: [2, 0])
    func peerDeath(workers: Int) throws {
        try withNetwork(testOptions { $0.workers = workers }) { network in
            let clientInbox = Inbox(), serverInbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback(), handler: serverInbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: clientInbox.handler)
            let stream = c.openStream(to: server)
            c.send(Note(text: "hi", n: 1), on: stream)
            #expect(serverInbox.wait { $0.count == 2 })
            s.detach()
            #expect(clientInbox.wait { $0.lines == ["closed \(stream) peer-crashed"] })
            #expect(network.directory.address(of: server) == nil)
            let gone = network.stats.disconnects
            #expect(gone["peer-closed", default: 0] + gone["peer-error", default: 0] == 1)
            #expect(network.stats.disconnects["detach"] == 1)
            s.detach()  // idempotent
        }
    }

    @Test("streams to a name with no address and no connection are refused; messages are dropped")
    func noRoute() throws {
        try withNetwork { network in
            let inbox = Inbox()
            let c = try network.attach(local: client, listen: nil, handler: inbox.handler)
            let stream = c.openStream(to: nodeName("frontend-9"))
            c.send(Note(text: "lost"), to: nodeName("frontend-9"))
            #expect(inbox.wait { $0.count == 1 })
            #expect(network.waitForStats { $0.drops["no-route"] == 1 })
            #expect(inbox.lines == ["closed \(stream) refused"])
        }
    }

    @Test("a known address where nobody listens: queued messages lost, streams refused, retries back off")
    func unreachable() throws {
        try withNetwork { network in
            let inbox = Inbox()
            let dead = try Socket.listen(on: .loopback())
            let address = try dead.localAddress
            dead.close()
            network.directory.set(address, for: server)
            let c = try network.attach(local: client, listen: nil, handler: inbox.handler)
            let stream = c.openStream(to: server)
            c.send(Note(text: "lost"), to: server)
            #expect(inbox.wait { $0.lines == ["closed \(stream) refused"] })
            #expect(network.waitForStats { $0.drops["unreachable"] == 1 })
            #expect(network.stats.disconnects["connect-failed", default: 0] >= 1)
        }
    }

    @Test("after the peer's listener restarts on the same port, the sender reconnects and delivers again")
    func reconnectAfterRestart() throws {
        try withNetwork { network in
            let first = Inbox()
            let c = try network.attach(local: client, listen: nil, handler: Inbox().handler)
            let s1 = try network.attach(local: server, listen: .loopback(), handler: first.handler)
            let address = try #require(s1.listenAddress)
            c.send(Note(text: "before"), to: server)
            #expect(first.wait { $0.count == 1 })
            s1.detach()
            // The client sees its connection close (and forgets it) before it sends again.
            #expect(network.waitForStats { $0.disconnects["peer-closed", default: 0] + $0.disconnects["peer-error", default: 0] == 1 })

            // Down: the detach took the server's address out of the directory, so sends are
            // dropped for want of a route.
            for i in 0..<5 { c.send(Note(text: "while-down", n: i), to: server) }
            #expect(network.waitForStats { $0.drops["no-route"] == 5 })
            network.directory.set(address, for: server)  // as a real directory would keep it
            let second = Inbox()
            let s2 = try network.attach(local: server, listen: address, handler: second.handler)
            #expect(s2.listenAddress == address)
            // The client has no connection and no back-off for the server: it dials at once.
            c.send(Note(text: "after", n: 0), to: server)
            #expect(second.wait { $0.count == 1 })
            #expect(second.messages == [Note(text: "after", n: 0)])
            #expect(network.stats.connectionsOpened == 2)
        }
    }

    @Test("block resets the link (streams end with .partition) and drops traffic until unblock")
    func blockAndUnblock() throws {
        try withNetwork { network in
            let serverInbox = Inbox(), clientInbox = Inbox()
            _ = try network.attach(local: server, listen: .loopback(), handler: serverInbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: clientInbox.handler)
            let stream = c.openStream(to: server)
            c.send(Note(text: "a"), on: stream)
            #expect(serverInbox.wait { $0.count == 2 })
            network.block(from: client, to: server)
            #expect(clientInbox.wait { $0.lines == ["closed \(stream) partition"] })
            #expect(serverInbox.wait { $0.count == 3 })  // the server's end: reset by the cut
            c.send(Note(text: "blocked"), to: server)
            #expect(network.waitForStats { $0.drops["blocked", default: 0] >= 1 })
            network.unblock(from: client, to: server)
            c.send(Note(text: "through"), to: server)
            #expect(serverInbox.wait { $0.messages.map(\.text) == ["through"] })
        }
    }

    @Test("waits on the counters and on an inbox end when traffic arrives, or false at their timeout")
    func waitsEndOnChangeOrTimeout() throws {
        try withNetwork { network in
            #expect(!network.waitForStats(timeout: .milliseconds(20)) { $0.framesOut > 0 })
            let inbox = Inbox()
            #expect(!inbox.wait(within: 0.02) { $0.count > 0 })
            _ = try network.attach(local: server, listen: .loopback(), handler: inbox.handler)
            let c = try network.attach(local: client, listen: nil, handler: Inbox().handler)
            c.send(Note(text: "wake"), to: server)
            #expect(network.waitForStats(timeout: .seconds(5)) { $0.framesIn == 2 })  // hello + message
            #expect(inbox.wait { $0.messages == [Note(text: "wake")] })
        }
    }

    @Test("a name attached twice is refused until it detaches (restart = detach, then attach)")
    func attachTwice() throws {
        try withNetwork { network in
            let first = try network.attach(local: server, listen: .loopback(), handler: Inbox().handler)
            #expect(throws: TCPNetworkError.alreadyAttached(server)) {
                _ = try network.attach(local: server, listen: nil, handler: Inbox().handler)
            }
            #expect("\(TCPNetworkError.alreadyAttached(server))".contains("detach it before"))
            first.detach()
            let again = try network.attach(local: server, listen: .loopback(), handler: Inbox().handler)
            #expect(again.isAttached)
            // A listener that cannot be opened leaves the name free.
            let taken = try #require(again.listenAddress)
            #expect(throws: SocketError.self) {
                _ = try network.attach(local: nodeName("frontend-2"), listen: taken, handler: Inbox().handler)
            }
            _ = try network.attach(local: nodeName("frontend-2"), listen: .loopback(), handler: Inbox().handler)
        }
    }

    @Test("with no workers a handler runs on the reactor's thread and may detach its own node without waiting for itself")
    func inlineHandlerDetaches() throws {
        try withNetwork(testOptions { $0.workers = 0 }) { network in
            let inbox = Inbox()
            let own = Mutex<TCPTransport<Note>?>(nil)
            let s = try network.attach(local: server, listen: .loopback()) { inbound in
                inbox.handler(inbound)
                if case .message(let e) = inbound, e.payload.text == "leave" { own.withLock { $0 }?.detach() }
            }
            own.withLock { $0 = s }
            let c = try network.attach(local: client, listen: nil, handler: Inbox().handler)
            c.send(Note(text: "hello"), to: server)
            c.send(Note(text: "leave"), to: server)
            #expect(inbox.wait { $0.count == 2 })
            #expect(network.waitForStats { !$0.disconnects.isEmpty }, "the detached node's connection closes")
            #expect(!s.isAttached)
            c.send(Note(text: "after"), to: server)   // nobody is there: nothing more arrives
            let again = try network.attach(local: server, listen: .loopback(), handler: Inbox().handler)
            #expect(again.isAttached, "the name is free again")
            #expect(inbox.messages.map(\.text) == ["hello", "leave"])
        }
    }

    @Test("shutdown is idempotent; attaching afterwards is refused with a clear error")
    func shutdownTwice() throws {
        let network = try TCPNetwork<Note>(options: testOptions())
        let t = try network.attach(local: server, listen: .loopback(), handler: Inbox().handler)
        network.shutdown()
        network.shutdown()
        #expect(!t.isAttached)
        t.send(Note(text: "x"), to: client)  // dropped, no crash
        t.detach()  // returns at once
        #expect(throws: TCPNetworkError.shutDown) {
            _ = try network.attach(local: client, listen: nil, handler: Inbox().handler)
        }
    }
}
