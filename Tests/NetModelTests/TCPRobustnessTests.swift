import Foundation
import Glibc
import Testing
@testable import NetModel

@Suite("TCP transport under hostile input: split reads, oversized and garbage frames, slow consumers")
struct TCPRobustnessTests {
    let server = nodeName("frontend-1")

    @Test("frames written one byte at a time, and many in one write, arrive the same")
    func splitOverSocket() throws {
        try withNetwork { network in
            let inbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback(), handler: inbox.handler)
            let notes = (0..<4).map { Note(text: String(repeating: "x", count: $0 * 7), n: $0) }
            var bytes: [UInt8] = []
            for (i, note) in notes.enumerated() { try messageFrame(note, id: UInt64(i + 1)).encode(into: &bytes) }

            let trickle = try RawPeer(connectingTo: try #require(s.listenAddress))
            var written = try trickle.hello(from: "client-1", to: "frontend-1")
            // Each byte is written only once the reactor has read everything before it, so
            // every byte of every frame arrives in a read of its own.
            for byte in bytes {
                try #require(network.waitForStats { $0.bytesIn == written })
                try trickle.write([byte])
                written += 1
            }
            let burst = try RawPeer(connectingTo: try #require(s.listenAddress))
            try burst.hello(from: "client-2", to: "frontend-1")
            try burst.write(Array(repeating: bytes, count: 50).flatMap { $0 })

            #expect(inbox.wait { $0.count == notes.count * 51 })
            let bySender = Dictionary(grouping: inbox.all.compactMap { inbound -> Envelope<Note>? in
                if case .message(let e) = inbound { e } else { nil }
            }, by: \.source)
            #expect(bySender[nodeName("client-1")]?.map(\.payload) == notes)
            #expect(bySender[nodeName("client-1")]?.map(\.id) == [1, 2, 3, 4])
            #expect(bySender[nodeName("client-2")]?.map(\.payload) == Array(repeating: notes, count: 50).flatMap { $0 })
        }
    }

    /// Attaches a server and a well-behaved client, checks they talk, runs `attack` against
    /// the server with a raw peer, and checks the raw peer is cut off while the client carries on.
    private func onlyOffenderClosed(
        reason: String, options: TCPOptions = testOptions(), attack: (RawPeer) throws -> Void
    ) throws {
        try withNetwork(options) { network in
            let inbox = Inbox()
            let s = try network.attach(local: server, listen: .loopback(), handler: inbox.handler)
            let good = try network.attach(local: nodeName("client-1"), listen: nil, handler: Inbox().handler)
            good.send(Note(text: "before"), to: server)
            #expect(inbox.wait { $0.count == 1 })

            let bad = try RawPeer(connectingTo: try #require(s.listenAddress))
            try attack(bad)
            #expect(bad.waitForClose(), "the offending connection is closed")
            #expect(network.stats.disconnects[reason] == 1)

            good.send(Note(text: "after"), to: server)
            #expect(inbox.wait { $0.messages.map(\.text) == ["before", "after"] })
            #expect(network.stats.connectionsOpened == 1)  // the good connection was never lost
        }
    }

    @Test("an oversized frame closes only that connection")
    func oversized() throws {
        try onlyOffenderClosed(reason: "protocol-error", options: testOptions { $0.maxFrameSize = 4_096 }) { bad in
            try bad.hello(from: "client-2", to: "frontend-1")
            try bad.write([0, 0x10, 0, 0])  // a 1 MiB length against a 4 KiB limit
        }
    }

    @Test("a peer that never finishes its hello is closed by the hello timeout (slowloris)")
    func helloTimeout() throws {
        try onlyOffenderClosed(reason: "timeout", options: testOptions { $0.helloTimeoutMilliseconds = 200 }) { bad in
            try bad.write([0, 0])  // half a length field, then nothing
        }
    }

    @Test("a frame left unfinished after the hello is closed by the partial-frame timeout")
    func partialFrameTimeout() throws {
        try onlyOffenderClosed(reason: "timeout", options: testOptions { $0.partialFrameTimeoutMilliseconds = 200 }) { bad in
            try bad.hello(from: "client-2", to: "frontend-1")
            try bad.write([0, 0, 0, 40, 1])  // a 40-byte frame of which one byte came
        }
    }

    @Test("a frame of unknown kind closes only that connection")
    func unknownKind() throws {
        try onlyOffenderClosed(reason: "protocol-error") { bad in
            try bad.hello(from: "client-2", to: "frontend-1")
            try bad.write([0, 0, 0, 18, 0x42] + [UInt8](repeating: 0, count: 17))
        }
    }

    @Test("bytes that are no frame at all (an HTTP request) close only that connection")
    func httpRequest() throws {
        try onlyOffenderClosed(reason: "protocol-error") { bad in
            try bad.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        }
    }

    @Test("a first frame that is not a hello closes only that connection")
    func noHello() throws {
        try onlyOffenderClosed(reason: "protocol-error") { bad in
            try bad.write(try messageFrame(Note(text: "who am I")).encoded)
        }
    }

    @Test("a hello for another node closes only that connection")
    func misdirectedHello() throws {
        try onlyOffenderClosed(reason: "protocol-error") { bad in
            try bad.hello(from: "client-2", to: "frontend-2")
        }
    }

    @Test("a well-formed frame whose payload does not decode closes only that connection",
          arguments: [2, 0])   // worker threads; 0: the reactor's thread decodes
    func undecodablePayload(workers: Int) throws {
        try onlyOffenderClosed(reason: "undecodable", options: testOptions { $0.workers = workers }) { bad in
            try bad.hello(from: "client-2", to: "frontend-1")
            try bad.write(TCPFrame(kind: .message, messageID: 9, body: [0xC1]).encoded)  // 0xC1: never used
        }
    }

    @Test("a slow consumer that never reads is cut off at the outbound bound; another peer keeps receiving")
    func slowConsumer() throws {
        let options = testOptions { $0.maxOutboundBytes = 256 * 1024 }
        try withNetwork(options) { network in
            let s = try network.attach(local: server, listen: .loopback(), handler: Inbox().handler)
            let fastInbox = Inbox()
            let fast = try network.attach(local: nodeName("client-1"), listen: nil, handler: fastInbox.handler)
            fast.send(Note(text: "hello"), to: server)  // gives the server a connection to client-1
            let slow = try RawPeer(connectingTo: try #require(s.listenAddress))
            slow.socket.setBufferSizes(receive: 4_096)
            try slow.hello(from: "client-2", to: "frontend-1")
            #expect(network.waitForStats { $0.connectionsAccepted == 2 && $0.framesIn == 3 })

            let big = String(repeating: "z", count: 16 * 1024)
            // Rounds of sends, each begun once the reactor has taken the previous one (counted
            // it out or dropped it), until the slow connection is cut; 5 s at most.
            let deadline = ContinuousClock.now + .seconds(5)
            var round = 0
            var handled = network.stats.framesOut + network.stats.totalDrops
            var cut = false
            while !cut, ContinuousClock.now < deadline {
                for _ in 0..<8 {
                    s.send(Note(text: big, n: round), to: nodeName("client-2"))
                    s.send(Note(text: "tick", n: round), to: nodeName("client-1"))
                    round += 1
                }
                handled += 16
                let target = handled
                #expect(network.waitForStats { $0.framesOut + $0.totalDrops >= target })
                cut = network.stats.disconnects["slow-consumer"] == 1
            }
            #expect(cut)
            #expect(slow.waitForClose())
            #expect(fastInbox.wait { $0.messages.count == round })
            #expect(fastInbox.messages.map(\.n) == Array(0..<round))
            #expect(round * 16 * 1024 < 64 << 20, "cut well before unbounded growth")
        }
    }
}
