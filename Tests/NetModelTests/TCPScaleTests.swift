import Foundation
import Synchronization
import Testing
@testable import NetModel

@Suite("TCP transport at scale: a thousand attached nodes on one reactor (real loopback)")
struct TCPScaleTests {
    @Test("1,000 client nodes each get a server reply and a stream message over their own connection")
    func thousandClients() throws {
        let clients = 1_000
        try withNetwork { network in
            let server = nodeName("frontend-1")
            let serverBox = Mutex<TCPTransport<Note>?>(nil)
            let serverInbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback()) { inbound in
                serverInbox.handler(inbound)
                guard case .message(let envelope) = inbound else { return }
                serverBox.withLock { $0 }?.send(Note(text: "reply", n: envelope.payload.n), to: envelope.source)
            }
            serverBox.withLock { $0 = s }

            let inboxes = (0..<clients).map { _ in Inbox() }
            var transports: [TCPTransport<Note>] = []
            for i in 0..<clients {
                let t = try network.attach(local: nodeName("client-\(i + 1)"), listen: nil, handler: inboxes[i].handler)
                transports.append(t)
            }
            for (i, t) in transports.enumerated() {
                t.send(Note(text: "hello", n: i), to: server)
                let stream = t.openStream(to: server)
                t.send(Note(text: "on-stream", n: i), on: stream)
            }
            let deadline = Date(timeIntervalSinceNow: 10)
            #expect(inboxes.allSatisfy { $0.wait(until: deadline) { $0.count == 1 } })
            for (i, inbox) in inboxes.enumerated() {
                #expect(inbox.messages == [Note(text: "reply", n: i)])
            }
            #expect(serverInbox.wait { $0.count == 3 * clients })
            let stats = network.stats
            #expect(stats.connectionsOpened == clients)
            #expect(stats.connectionsAccepted == clients)
            #expect(stats.totalDrops == 0)
        }
    }
}
