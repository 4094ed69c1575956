import NetModel
@testable import Nodes
import Testing

/// The hot messages' hand-written MessagePack form against the `Codable` one.
@Suite("ClusterMessage hand coding: the Codable bytes exactly, round trips, garbage refused cleanly")
struct ClusterMessageHandCodingTests {
    static let key = RequestKey(origin: NodeName(.chat, 1), id: 0xC01_2345_0000_0007)
    static let long = String(repeating: "가나다", count: 30)            // 270 bytes: str 16
    static let longer = String(repeating: "x", count: 70_000)           // str 32
    static let bodies: [PushBody] = [
        .chat(.line(member: "bob", text: "hello", messageID: 42)),
        .chat(.line(member: "", text: long, messageID: .max)),
        .chat(.system("[bob] 님이 입장했습니다.")),
        .chat(.restarted),
        .message(from: "u2", text: longer),
        .broadcast(text: "hi"),
    ]
    static let commands: [ChatCommand] = [
        .say(text: "hello", messageID: 1 << 40 | 3), .name("bob"), .rooms, .create(title: "t"), .join(roomID: 7), .leave,
        .restore(roomID: 300, title: long), .connect(name: "127.0.0.1:5000"), .disconnect, .join(roomID: -5),
    ]

    /// Every hot call, in representative variants.
    static var hot: [BackendCall] {
        var calls: [BackendCall] = []
        for body in bodies {
            calls.append(.deliver(PushDelivery(pushID: 9, body: body, acceptedAt: 1_000_000_123, generation: 3,
                                               recipients: [PushRecipient(user: "chat-door-1/abc/1", seq: 1, floor: 1)])))
            calls.append(.pushTo(users: ["a", "b", long], pushID: .max, body: body, acceptedAt: -5, request: key))
        }
        let many = (0..<300).map { PushRecipient(user: "u\($0)", seq: UInt64($0) * 1_000, floor: UInt64($0)) }
        calls.append(.deliver(PushDelivery(pushID: 1, body: bodies[0], acceptedAt: .min, generation: .max, recipients: many)))
        calls.append(.deliver(PushDelivery(pushID: 1, body: bodies[0], acceptedAt: 0, generation: 0, recipients: [])))
        calls.append(.pushTo(users: (0..<20).map { "user-\($0)" }, pushID: 0, body: bodies[2], acceptedAt: .max, request: key.step(3)))
        calls.append(.ack(user: "chat-door-1/abc/17", upTo: 65_536, generation: 1))
        calls.append(.ack(user: "", upTo: 0, generation: .max))
        calls.append(.acks([PushAck(user: "chat-door-1/abc/1", upTo: 3, generation: 2), PushAck(user: long, upTo: .max, generation: 0)]))
        calls.append(.acks((0..<40).map { PushAck(user: "m\($0)", upTo: UInt64($0), generation: 7) }))
        calls.append(.acks([]))
        for command in commands {
            calls.append(.chat(user: "chat-door-1/abc/2", command: command, request: nil))
            calls.append(.chat(user: "u1", command: command, request: RequestKey(origin: NodeName(.client, 12), id: 5)))
        }
        calls.append(.chatCommands(commands.map { DoorCommand(user: "chat-door-1/abc/3", command: $0) }))
        calls.append(.chatCommands([DoorCommand(user: long, command: .say(text: longer, messageID: 9))]))
        calls.append(.chatCommands([]))
        for result in [ClientResult.ok, .accepted(pushID: 77), .joined(roomID: 2, title: "room")] {
            calls.append(.executed(request: key, result: result))
        }
        // Batches of any hot calls (not nested).
        calls.append(.batch(Array(calls.prefix(12))))
        calls.append(.batch(calls.filter { if case .executed = $0 { true } else { false } }))
        calls.append(.batch([]))
        return calls
    }

    static var hotMessages: [ClusterMessage] { hot.flatMap { [.backend(group: "", $0), .backend(group: "group-7", $0)] } }

    /// Messages left to `Codable`.
    static let cold: [ClusterMessage] = [
        .ping(epoch: 3), .pushAck(upTo: 4, generation: 1),
        .backend(group: "", .kick(user: "u", request: key)),
        .backend(group: "", .deliver(PushDelivery(pushID: 1, body: .chat(.rooms([ChatRoomInfo(roomID: 1, title: "t", members: ["a"])])),
                                                  acceptedAt: 0, generation: 1, recipients: []))),
        .backend(group: "", .executed(request: key, result: .refused(.badToken("x")))),
        .backend(group: "", .executed(request: key, result: .flag(true))),
        // A batch with a cold call, and a nested batch (no node sends one): Codable, whose depth limit holds.
        .backend(group: "", .batch([.ack(user: "u", upTo: 1, generation: 1), .kick(user: "u", request: key)])),
        .backend(group: "", .batch([.batch([.ack(user: "u", upTo: 1, generation: 1)])])),
    ]

    static func codable() -> (MessagePackEncoder, MessagePackDecoder) {
        var encoder = MessagePackEncoder()
        encoder.handCoding = false
        var decoder = MessagePackDecoder()
        decoder.handCoding = false
        return (encoder, decoder)
    }

    @Test("every hot message: the hand-written bytes are the Codable bytes, and both decoders read them back")
    func sameBytesAndRoundTrip() throws {
        let (reference, codableDecoder) = Self.codable()
        for message in Self.hotMessages {
            let hand = try #require(message.handEncodedMessagePack(), "\(message.traceLabel) is hand-coded")
            #expect(hand == (try reference.encode(message)), "\(message)")
            #expect(try MessagePackEncoder().encode(message) == hand)
            #expect(ClusterMessage.handDecodedMessagePack(hand) == message, "\(message)")
            #expect(try codableDecoder.decode(ClusterMessage.self, from: hand) == message)
        }
    }

    @Test("messages that are not hot go through Codable, and still round trip")
    func coldMessages() throws {
        for message in Self.cold {
            #expect(message.handEncodedMessagePack() == nil, "\(message)")
            let bytes = try MessagePackEncoder().encode(message)
            #expect(ClusterMessage.handDecodedMessagePack(bytes) == nil)
            #expect(try MessagePackDecoder().decode(ClusterMessage.self, from: bytes) == message)
        }
    }

    @Test("a valid form other than the encoder's (keys reordered) is not the hand decoder's: Codable decodes it")
    func otherValidForm() throws {
        // {"backend": {"_1": {"ack": {"generation": 1, "upTo": 2, "user": "u"}}, "group": ""}}
        var w = MessagePackWriter()
        w.writeMapHeader(count: 1); w.write("backend"); w.writeMapHeader(count: 2)
        w.write("_1"); w.writeMapHeader(count: 1); w.write("ack"); w.writeMapHeader(count: 3)
        w.write("generation"); w.write(UInt64(1)); w.write("upTo"); w.write(UInt64(2)); w.write("user"); w.write("u")
        w.write("group"); w.write("")
        #expect(ClusterMessage.handDecodedMessagePack(w.bytes) == nil)
        #expect(try MessagePackDecoder().decode(ClusterMessage.self, from: w.bytes)
                == .backend(group: "", .ack(user: "u", upTo: 2, generation: 1)))
    }

    @Test("garbage (every truncation, byte flips, random bytes) decodes as Codable decodes it: the same value or a clear error, never a crash")
    func garbage() throws {
        let (_, codableDecoder) = Self.codable()
        var random = SeededRandom(seed: 13)
        func same(_ bytes: [UInt8]) {
            let fast = Result { try MessagePackDecoder().decode(ClusterMessage.self, from: bytes) }
            let slow = Result { try codableDecoder.decode(ClusterMessage.self, from: bytes) }
            switch (fast, slow) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let error), .failure): #expect(!"\(error)".isEmpty)
            default: Issue.record("hand and Codable decoders disagree on \(bytes.prefix(40))…: \(fast) vs \(slow)")
            }
        }
        for message in Self.hotMessages.filter({ "\($0)".count < 2_000 }) {
            let bytes = try MessagePackEncoder().encode(message)
            for end in 0..<bytes.count { same(Array(bytes[..<end])) }
            same(bytes + [0xc0])
            for _ in 0..<40 {
                var flipped = bytes
                flipped[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                same(flipped)
            }
        }
        for length in 0..<200 { same((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }) }
        // Counts and lengths that claim more than the input holds.
        same([0x81, 0xa7] + Array("backend".utf8) + [0x82, 0xa5] + Array("group".utf8) + [0xdb, 0xff, 0xff, 0xff, 0xff])
        same([0x81, 0xa7] + Array("backend".utf8) + [0xdf, 0xff, 0xff, 0xff, 0xff])
    }
}
