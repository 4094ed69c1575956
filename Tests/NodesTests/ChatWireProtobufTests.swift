import Testing
@testable import Nodes

/// Frames `body` with its 2-byte big-endian length.
private func framed(_ body: [UInt8]) -> [UInt8] { [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body }

/// Decodes every client message in `bytes` (protobuf unless told), failing on a leftover.
private func decodeClient(_ bytes: [UInt8], format: ChatWireFormat = .protobuf) throws -> [ChatClientMessage] {
    var decoder = ChatFrameDecoder(format: format)
    decoder.append(bytes)
    var out: [ChatClientMessage] = []
    while let message = try decoder.nextClientMessage() { out.append(message) }
    #expect(decoder.bufferedByteCount == 0)
    return out
}

/// The error decoding one protobuf client message of `type` with `body` throws.
private func clientError(type: [UInt8], body: [UInt8]) -> ChatWireError? {
    var decoder = ChatFrameDecoder(format: .protobuf)
    decoder.append(framed(type) + framed(body))
    do {
        _ = try decoder.nextClientMessage()
        return nil
    } catch {
        return error
    }
}

@Suite("Chat wire: protobuf against hand-computed bytes")
struct ChatWireProtobufTests {
    struct ClientCase: Sendable, CustomTestStringConvertible {
        let message: ChatClientMessage
        let type: UInt8
        let body: [UInt8]
        var testDescription: String { "\(message)" }
    }

    static let clientCases: [ClientCase] = [
        ClientCase(message: .name("a"), type: 0, body: [0x0a, 0x01, 0x61]),
        ClientCase(message: .name(""), type: 0, body: [0x0a, 0x00]),
        ClientCase(message: .rooms, type: 1, body: []),
        ClientCase(message: .createRoom(title: "hi"), type: 2, body: [0x0a, 0x02, 0x68, 0x69]),
        ClientCase(message: .joinRoom(3), type: 3, body: [0x08, 0x03]),
        ClientCase(message: .joinRoom(300), type: 3, body: [0x08, 0xac, 0x02]),
        ClientCase(message: .joinRoom(-1), type: 3,
                   body: [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ClientCase(message: .joinRoom(Int32.min), type: 3,
                   body: [0x08, 0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ClientCase(message: .joinRoom(Int32.max), type: 3, body: [0x08, 0xff, 0xff, 0xff, 0xff, 0x07]),
        ClientCase(message: .leaveRoom, type: 4, body: []),
        ClientCase(message: .chat("b"), type: 5, body: [0x0a, 0x01, 0x62]),
        ClientCase(message: .chat("가"), type: 5, body: [0x0a, 0x03, 0xea, 0xb0, 0x80]),
        ClientCase(message: .shutdown, type: 6, body: []),
    ]

    @Test("client messages encode to Type{type} then the body, and decode back", arguments: clientCases)
    func clientMessage(_ c: ClientCase) throws {
        let expected = framed([0x08, c.type]) + framed(c.body)
        #expect(try ChatWire.encode(c.message, format: .protobuf) == expected)
        #expect(try decodeClient(expected) == [c.message])
    }

    struct ServerCase: Sendable, CustomTestStringConvertible {
        let message: ChatServerMessage
        let type: UInt8
        let body: [UInt8]
        var testDescription: String { "\(message)" }
    }

    static let serverCases: [ServerCase] = [
        ServerCase(message: .system("x"), type: 9, body: [0x0a, 0x01, 0x78]),
        ServerCase(message: .chat(member: "a", text: "b"), type: 8, body: [0x0a, 0x01, 0x61, 0x12, 0x01, 0x62]),
        ServerCase(message: .roomsResult([]), type: 7, body: []),
        ServerCase(message: .roomsResult([ChatRoomInfo(roomID: 1, title: "t", members: ["a", "b"])]), type: 7,
                   body: [0x0a, 0x0b, 0x08, 0x01, 0x12, 0x01, 0x74, 0x1a, 0x01, 0x61, 0x1a, 0x01, 0x62]),
        ServerCase(message: .roomsResult([ChatRoomInfo(roomID: 2, title: "", members: []),
                                          ChatRoomInfo(roomID: 3, title: "z", members: ["c"])]), type: 7,
                   body: [0x0a, 0x04, 0x08, 0x02, 0x12, 0x00,
                          0x0a, 0x08, 0x08, 0x03, 0x12, 0x01, 0x7a, 0x1a, 0x01, 0x63]),
    ]

    @Test("server messages encode to Type{type} then the body, and decode back", arguments: serverCases)
    func serverMessage(_ c: ServerCase) throws {
        let expected = framed([0x08, c.type]) + framed(c.body)
        #expect(try ChatWire.encode(c.message, format: .protobuf) == expected)
        var decoder = ChatFrameDecoder(format: .protobuf)
        decoder.append(expected)
        #expect(try decoder.nextServerMessage() == c.message)
        #expect(try decoder.nextServerMessage() == nil)
    }

    @Test("varints: boundaries and 10-byte negatives")
    func varints() throws {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]),
            (16383, [0xff, 0x7f]), (16384, [0x80, 0x80, 0x01]),
            (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ]
        for (value, bytes) in cases {
            var writer = ChatProtoWriter()
            writer.appendVarint(value)
            #expect(writer.bytes == bytes, "encode \(value)")
            var reader = ChatProtoReader(bytes)
            #expect(try reader.readVarint() == value, "decode \(value)")
            #expect(reader.isAtEnd)
        }
    }

    @Test("a negative int32 sent as a 5-byte varint (low 32 bits) also decodes")
    func shortNegative() throws {
        #expect(try decodeClient(framed([0x08, 0x03]) + framed([0x08, 0xff, 0xff, 0xff, 0xff, 0x0f])) == [.joinRoom(-1)])
    }

    @Test("unknown fields of every wire type are skipped")
    func unknownFieldsSkipped() throws {
        let unknown: [UInt8] = [
            0x10, 0x96, 0x01,                                     // field 2 varint 150
            0x19, 1, 2, 3, 4, 5, 6, 7, 8,                         // field 3 fixed64
            0x25, 1, 2, 3, 4,                                     // field 4 fixed32
            0x2b, 0x08, 0x01, 0x33, 0x38, 0x01, 0x34, 0x2c,       // field 5 group holding a nested group 6
            0x32, 0x02, 0xff, 0xfe,                               // field 6 bytes
            0x08, 0x07,                                           // field 1 with the wrong wire type (varint)
        ]
        #expect(try decodeClient(framed([0x08, 0x00]) + framed(unknown + [0x0a, 0x01, 0x61] + unknown)) == [.name("a")])
        #expect(try decodeClient(framed([0x08, 0x01]) + framed(unknown)) == [.rooms])
        #expect(try decodeClient(framed([0x08, 0x03, 0x10, 0x01]) + framed([0x08, 0x05, 0x10, 0x09])) == [.joinRoom(5)])
        #expect(try decodeClient(framed([0x08, 0x02]) + framed(unknown)) == [.createRoom(title: "")],
                "an absent optional title is empty")
    }

    @Test("a repeated non-repeated field keeps the last value")
    func lastWins() throws {
        #expect(try decodeClient(framed([0x08, 0x05]) + framed([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62])) == [.chat("b")])
    }

    @Test("required fields missing", arguments: [
        (UInt8(0), [UInt8](), "CSName.name"),
        (UInt8(3), [], "CSJoinRoom.roomId"),
        (UInt8(3), [0x0a, 0x01, 0x03], "CSJoinRoom.roomId"),  // field 1 as bytes is not the int32
        (UInt8(5), [0x10, 0x01], "CSChat.text"),
    ])
    func missingRequired(type: UInt8, body: [UInt8], field: String) {
        #expect(clientError(type: [0x08, type], body: body) == .missingField(field))
    }

    @Test("server-side required fields missing")
    func missingServerFields() {
        func error(_ type: UInt8, _ body: [UInt8]) -> ChatWireError? {
            var decoder = ChatFrameDecoder(format: .protobuf)
            decoder.append(framed([0x08, type]) + framed(body))
            do { _ = try decoder.nextServerMessage(); return nil } catch { return error }
        }
        #expect(error(9, []) == .missingField("SCSystemMessage.text"))
        #expect(error(8, [0x12, 0x00]) == .missingField("SCChat.member"))
        #expect(error(8, [0x0a, 0x00]) == .missingField("SCChat.text"))
        #expect(error(7, [0x0a, 0x02, 0x12, 0x00]) == .missingField("SCRoomsResult.RoomInfo.roomId"))
    }

    @Test("Type frame errors")
    func typeErrors() {
        #expect(clientError(type: [], body: []) == .missingField("Type.type"))
        #expect(clientError(type: [0x08, 42], body: []) == .unknownType("42 in Type.type"))
        #expect(clientError(type: [0x08, 0xff, 0xff, 0xff, 0xff, 0x0f], body: []) == .unknownType("-1 in Type.type"))
        #expect(clientError(type: [0x08, 0x08], body: []) == .unknownType("SC_CHAT (8)"))
        #expect(clientError(type: [0x08, 0x09], body: []) == .unknownType("SC_SYSTEM_MESSAGE (9)"))
    }

    @Test("an SC type is rejected as soon as its Type frame arrives, before any body")
    func earlyTypeRejection() {
        var decoder = ChatFrameDecoder(format: .protobuf)
        decoder.append(framed([0x08, 0x07]))
        #expect(throws: ChatWireError.unknownType("SC_ROOMS_RESULT (7)")) { try decoder.nextClientMessage() }
        var client = ChatFrameDecoder(format: .protobuf)
        client.append(framed([0x08, 0x05]))
        #expect(throws: ChatWireError.unknownType("CS_CHAT (5)")) { try client.nextServerMessage() }
    }

    @Test("malformed protobuf bodies", arguments: [
        [0x08, 0xff] as [UInt8],                  // truncated varint
        [0x0a, 0x05, 0x61],                       // length past the end
        [0x00, 0x00],                             // field number 0
        [0x0f],                                   // wire type 7
        [0x0e],                                   // wire type 6
        [0x0c],                                   // end-group without start
        [0x0b, 0x08, 0x01],                       // unclosed group
        [0x0b, 0x14],                             // group 1 closed by end-group 2
        [0x19, 1, 2, 3],                          // truncated fixed64
        [0x15, 1],                                // truncated fixed32
        [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // 11-byte varint
        [0x0a, 0x01, 0xff],                       // invalid UTF-8 in a string
        [0x0a, 0x02, 0xc3, 0x28],                 // invalid UTF-8 sequence
        [0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],     // tag beyond 32 bits
    ])
    func malformed(body: [UInt8]) {
        let error = clientError(type: [0x08, 0x00], body: body)
        guard case .badProtobuf(let why)? = error else {
            Issue.record("expected badProtobuf, got \(String(describing: error))")
            return
        }
        #expect(!why.isEmpty)
    }

    @Test("deeply nested groups are refused, not recursed without bound")
    func deepGroups() {
        let depth = 1000
        let body = [UInt8](repeating: 0x13, count: depth) + [UInt8](repeating: 0x14, count: depth)  // group 2
        #expect(clientError(type: [0x08, 0x01], body: body) == .badProtobuf("groups nested too deeply"))
    }
}
