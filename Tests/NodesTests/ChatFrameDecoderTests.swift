import Testing
@testable import Nodes

/// SplitMix64: a seeded generator so the fuzz loops are reproducible.
private struct ChatFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let clientScript: [ChatClientMessage] = [
    .name("앨리스"), .rooms, .createRoom(title: "hello world"), .joinRoom(1), .joinRoom(-5), .chat("안녕 😀"),
    .chat(""), .leaveRoom, .name(""), .createRoom(title: ""), .shutdown,
]

private let serverScript: [ChatServerMessage] = [
    .system("이름이 test 으로 변경되었습니다."), .chat(member: "bob", text: "hi \"there\""), .roomsResult([]),
    .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "bob"]),
                  ChatRoomInfo(roomID: 4, title: "방", members: ["carol"])]),
    .system(""), .chat(member: "", text: ""),
]

private func stream(_ messages: [ChatClientMessage], _ format: ChatWireFormat) throws -> [UInt8] {
    var bytes: [UInt8] = []
    for message in messages { bytes += try ChatWire.encode(message, format: format) }
    return bytes
}

private func stream(_ messages: [ChatServerMessage], _ format: ChatWireFormat) throws -> [UInt8] {
    var bytes: [UInt8] = []
    for message in messages { bytes += try ChatWire.encode(message, format: format) }
    return bytes
}

/// Feeds `chunks` one at a time, draining complete client messages after each.
private func decodeClientChunks(_ chunks: [ArraySlice<UInt8>], _ format: ChatWireFormat) throws -> [ChatClientMessage] {
    var decoder = ChatFrameDecoder(format: format)
    var out: [ChatClientMessage] = []
    for chunk in chunks {
        decoder.append(chunk)
        while let message = try decoder.nextClientMessage() { out.append(message) }
    }
    #expect(decoder.bufferedByteCount == 0)
    #expect(!decoder.isAwaitingBody)
    return out
}

private func decodeServerChunks(_ chunks: [ArraySlice<UInt8>], _ format: ChatWireFormat) throws -> [ChatServerMessage] {
    var decoder = ChatFrameDecoder(format: format)
    var out: [ChatServerMessage] = []
    for chunk in chunks {
        decoder.append(chunk)
        while let message = try decoder.nextServerMessage() { out.append(message) }
    }
    #expect(decoder.bufferedByteCount == 0)
    return out
}

@Suite("Chat wire: framing")
struct ChatFrameDecoderTests {
    @Test("several messages in one append all decode, in order", arguments: ChatWireFormat.allCases)
    func severalInOneRead(format: ChatWireFormat) throws {
        let bytes = try stream(clientScript, format)
        #expect(try decodeClientChunks([bytes[...]], format) == clientScript)
        #expect(try decodeServerChunks([try stream(serverScript, format)[...]], format) == serverScript)
    }

    @Test("a stream split at every byte boundary decodes identically", arguments: ChatWireFormat.allCases)
    func splitEverywhere(format: ChatWireFormat) throws {
        let bytes = try stream(clientScript, format)
        for cut in 0...bytes.count {
            let got = try decodeClientChunks([bytes[..<cut], bytes[cut...]], format)
            #expect(got == clientScript, "cut at \(cut)")
        }
        let server = try stream(serverScript, format)
        for cut in 0...server.count {
            #expect(try decodeServerChunks([server[..<cut], server[cut...]], format) == serverScript, "cut at \(cut)")
        }
    }

    @Test("one byte per append, and random chunkings, decode identically", arguments: ChatWireFormat.allCases)
    func chunked(format: ChatWireFormat) throws {
        let bytes = try stream(clientScript, format)
        #expect(try decodeClientChunks(bytes.indices.map { bytes[$0...$0] }, format) == clientScript)
        var rng = ChatFuzzRandom(seed: 0xC4A7)
        for _ in 0..<200 {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 0...9, using: &rng))
                chunks.append(bytes[start..<end])
                start = end
            }
            #expect(try decodeClientChunks(chunks, format) == clientScript)
        }
    }

    @Test("nothing complete yet returns nil; a protobuf Type frame waits for its body")
    func partial() throws {
        var decoder = ChatFrameDecoder(format: .protobuf)
        #expect(try decoder.nextClientMessage() == nil)
        decoder.append([0x00])
        #expect(try decoder.nextClientMessage() == nil)
        decoder.append([0x02, 0x08, 0x05])
        #expect(try decoder.nextClientMessage() == nil)
        #expect(decoder.isAwaitingBody)
        decoder.append([0x00, 0x03, 0x0a, 0x01])
        #expect(try decoder.nextClientMessage() == nil)
        decoder.append([0x62])
        #expect(try decoder.nextClientMessage() == .chat("b"))
        #expect(!decoder.isAwaitingBody)
        #expect(try decoder.nextClientMessage() == nil)
    }

    @Test("an empty protobuf body is a zero-length frame")
    func emptyBody() throws {
        #expect(try ChatWire.encode(ChatClientMessage.leaveRoom, format: .protobuf) == [0x00, 0x02, 0x08, 0x04, 0x00, 0x00])
        #expect(try decodeClientChunks([[0x00, 0x02, 0x08, 0x06, 0x00, 0x00]], .protobuf) == [.shutdown])
    }

    @Test("a prefix above maxBody is refused as soon as it arrives, and the error sticks")
    func tooLarge() {
        var decoder = ChatFrameDecoder(format: .json, maxBody: 10)
        #expect(decoder.maxBody == 10)
        decoder.append([0x00, 0x0b])
        #expect(throws: ChatWireError.frameTooLarge(length: 11, limit: 10)) { try decoder.nextClientMessage() }
        decoder.append(Array(#"{"type":"CSRooms"}"#.utf8))
        #expect(throws: ChatWireError.frameTooLarge(length: 11, limit: 10)) { try decoder.nextClientMessage() }
        #expect(throws: ChatWireError.frameTooLarge(length: 11, limit: 10)) { try decoder.nextServerMessage() }
    }

    @Test("a frame of exactly maxBody is accepted; maxBody is clamped to 0...65535")
    func limits() throws {
        let body = Array(#"{"type":"CSRooms"}"#.utf8)
        var decoder = ChatFrameDecoder(format: .json, maxBody: body.count)
        decoder.append([0, UInt8(body.count)] + body)
        #expect(try decoder.nextClientMessage() == .rooms)
        #expect(ChatFrameDecoder(format: .json, maxBody: 1 << 20).maxBody == 65535)
        #expect(ChatFrameDecoder(format: .json, maxBody: -3).maxBody == 0)
        var big = ChatFrameDecoder(format: .json)
        big.append([0xff, 0xff, 0x7b])
        #expect(try big.nextClientMessage() == nil, "a 65535-byte frame is allowed by default and awaited")
    }

    @Test("the protobuf Type frame is checked against maxBody too")
    func protobufTooLarge() {
        var decoder = ChatFrameDecoder(format: .protobuf, maxBody: 1)
        decoder.append([0x00, 0x02, 0x08, 0x01, 0x00, 0x00])
        #expect(throws: ChatWireError.frameTooLarge(length: 2, limit: 1)) { try decoder.nextClientMessage() }
    }

    @Test("a body too large for the 2-byte prefix is refused by the encoder, not truncated",
          arguments: ChatWireFormat.allCases)
    func encoderLimit(format: ChatWireFormat) throws {
        let long = String(repeating: "가", count: 22_000)  // 66,000 bytes of UTF-8
        #expect(throws: ChatWireError.frameTooLarge(length: format == .json ? 66_040 : 66_007, limit: 65535)) {
            try ChatWire.encode(ChatServerMessage.chat(member: "a", text: long), format: format)
        }
        let fits = String(repeating: "a", count: 65_000)
        let bytes = try ChatWire.encode(ChatClientMessage.chat(fits), format: format)
        #expect(try decodeClientChunks([bytes[...]], format) == [.chat(fits)])
    }

    @Test("a bad message after good ones: the good ones decode, then the error", arguments: ChatWireFormat.allCases)
    func goodThenBad(format: ChatWireFormat) throws {
        var decoder = ChatFrameDecoder(format: format)
        decoder.append(try stream([.rooms, .chat("x")], format))
        decoder.append(format == .json ? [0x00, 0x03, 0x61, 0x62, 0x63] : [0x00, 0x02, 0x08, 0x63, 0x00, 0x00])
        #expect(try decoder.nextClientMessage() == .rooms)
        #expect(try decoder.nextClientMessage() == .chat("x"))
        #expect(throws: ChatWireError.self) { try decoder.nextClientMessage() }
    }

    @Test("error descriptions say what was wrong")
    func descriptions() {
        #expect(ChatWireError.frameTooLarge(length: 70000, limit: 65535).description
                == "frame body of 70000 bytes exceeds the limit of 65535 bytes")
        #expect(ChatWireError.missingField("CSName.name").description == "required field CSName.name is missing")
        #expect(ChatWireError.unknownType("\"CSFoo\"").description.contains("\"CSFoo\""))
        #expect(ChatWireError.malformedJSON("x").description.hasPrefix("malformed JSON message: x"))
        #expect(ChatWireError.badProtobuf("y").description == "malformed protobuf message: y")
        #expect(ChatWireError.invalidField("f", reason: "r").description == "field f is invalid: r")
    }
}

@Suite("Chat wire: fuzz (seeded)")
struct ChatWireFuzzTests {
    /// Drains a decoder until it has nothing or throws; bounded so a bug cannot loop forever.
    private static func drain(_ bytes: [UInt8], format: ChatWireFormat, server: Bool, maxBody: Int = 65535) -> Int {
        var decoder = ChatFrameDecoder(format: format, maxBody: maxBody)
        decoder.append(bytes)
        var decoded = 0
        for _ in 0...bytes.count {
            do {
                let got: Bool = server ? try decoder.nextServerMessage() != nil : try decoder.nextClientMessage() != nil
                if !got { break }
                decoded += 1
            } catch {
                #expect(!error.description.isEmpty)
                break
            }
        }
        return decoded
    }

    @Test("random byte strings never crash either decoder", arguments: ChatWireFormat.allCases)
    func randomBytes(format: ChatWireFormat) {
        var rng = ChatFuzzRandom(seed: 20_040_004)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...80, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 2, Bool.random(using: &rng) {  // make the prefix plausible half the time
                bytes[0] = 0
                bytes[1] = UInt8(min(bytes.count - 2, Int(bytes[1]) % 40))
            }
            _ = Self.drain(bytes, format: format, server: false)
            _ = Self.drain(bytes, format: format, server: true, maxBody: Int.random(in: 0...100, using: &rng))
        }
    }

    @Test("mutated valid streams never crash and never decode more messages than frames", arguments: ChatWireFormat.allCases)
    func mutatedStreams(format: ChatWireFormat) throws {
        var rng = ChatFuzzRandom(seed: 4)
        let client = try stream(clientScript, format)
        let server = try stream(serverScript, format)
        for round in 0..<2000 {
            var bytes = round.isMultiple(of: 2) ? client : server
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...2, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                }
                if bytes.isEmpty { break }
            }
            let decoded = Self.drain(bytes, format: format, server: !round.isMultiple(of: 2))
            #expect(decoded <= bytes.count / 2)
        }
    }

    @Test("random JSON-ish text never crashes the parser")
    func randomJSONText() {
        var rng = ChatFuzzRandom(seed: 77)
        let alphabet = Array(#"{}[]":,\u0123456789abcdefCSNametypext -+.eE"#.utf8) + [0xea, 0xb0, 0x80, 0xff, 0x00, 0x0a]
        for _ in 0..<3000 {
            let body = (0..<Int.random(in: 0...60, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
            var framedBody = [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
            if Bool.random(using: &rng) { framedBody += (try? ChatWire.encode(ChatClientMessage.rooms, format: .json)) ?? [] }
            _ = Self.drain(framedBody, format: .json, server: Bool.random(using: &rng))
        }
    }
}
