import Testing
import NetModel
@testable import Nodes

@Suite("Chat server parts: client input, outbox, message cache")
struct ChatServerPartsTests {
    @Test("typed lines become the protocol's messages", arguments: [
        ("/name test", ChatClientInput.send(.name("test"))),
        ("/rooms", .send(.rooms)),
        ("/create hello world", .send(.createRoom(title: "hello world"))),
        ("/join 2", .send(.joinRoom(2))),
        ("/leave", .send(.leaveRoom)),
        ("/shutdown", .send(.shutdown)),
        ("안녕 모두", .send(.chat("안녕 모두"))),
        ("hello\r\n", .send(.chat("hello"))),
        ("/help", .help),
        ("/quit", .quit),
        ("   ", .nothing),
        ("", .nothing),
    ])
    func parsesLines(line: String, expected: ChatClientInput) {
        #expect(ChatClientInput.parse(line) == expected)
    }

    @Test("mistakes in a typed line say what to write", arguments: [
        ("/join", "usage: /join N"),
        ("/join two", "usage: /join N"),
        ("/name", "usage: /name NAME"),
        ("/create", "usage: /create TITLE"),
        ("/frob x", "unknown command /frob"),
    ])
    func rejectsMistakes(line: String, hint: String) {
        guard case .invalid(let why) = ChatClientInput.parse(line) else {
            Issue.record("'\(line)' was not rejected")
            return
        }
        #expect(why.hasPrefix(hint), "\(why)")
    }

    @Test("server messages print as the course client prints them")
    func displays() {
        #expect(ChatClientInput.display(.system("대화방이 존재하지 않습니다.")) == "[시스템 메시지] 대화방이 존재하지 않습니다.")
        #expect(ChatClientInput.display(.chat(member: "alice", text: "hi")) == "[alice] hi")
        #expect(ChatClientInput.display(.roomsResult([])).contains("none"))
        let rooms = ChatClientInput.display(.roomsResult([ChatRoomInfo(roomID: 3, title: "hello world", members: ["a", "b"])]))
        #expect(rooms.contains("#3 hello world — members: a, b"))
        #expect(ChatClientInput.helpText.contains("/join N"))
    }

    @Test("the outbox keeps unwritten bytes in order and flags a slow reader")
    func outbox() {
        var box = OutboundBuffer(limit: 10)
        #expect(box.isEmpty)
        box.append([1, 2, 3])
        box.append([4, 5])
        #expect(box.pendingCount == 5)
        box.didWrite(2)
        #expect(box.withPendingBytes { Array($0) } == [3, 4, 5])
        box.append(Array(repeating: 9, count: 8))
        #expect(box.pendingCount == 11)
        #expect(box.isOverLimit)
        box.didWrite(11)
        #expect(box.isEmpty && !box.isOverLimit)
    }

    @Test("the outbox compacts a long written prefix without losing bytes")
    func outboxCompacts() {
        var box = OutboundBuffer(limit: 1 << 20)
        let chunk = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        box.append(chunk)
        box.didWrite(70_000)
        box.append([7])
        #expect(box.withPendingBytes { Array($0) } == Array(chunk[70_000...]) + [7])
    }

    @Test("a fan-out is encoded once and the bytes equal a fresh encoding", arguments: ChatWireFormat.allCases)
    func cache(format: ChatWireFormat) throws {
        var cache = ChatMessageCache(format: format)
        let chat = ChatServerMessage.chat(member: "alice", text: "안녕")
        let first = try cache.bytes(for: chat)
        #expect(first == (try ChatWire.encode(chat, format: format)))
        #expect(try cache.bytes(for: chat) == first)
        let system = ChatServerMessage.system("x")
        #expect(try cache.bytes(for: system) == (try ChatWire.encode(system, format: format)))
    }
}

@Suite("Chat wire fast paths agree with the general codec")
struct ChatWireFastPathTests {
    static let texts = ["hello", "", "안녕하세요 여러분", "3:17:xxxxxxxx", "quote \" inside", "back\\slash", "tab\there",
                        "new\nline", "emoji 🙂", String(repeating: "y", count: 300), "/ slash"]

    @Test("a chat line encodes to the same bytes", arguments: ChatWireFormat.allCases)
    func encodesSame(format: ChatWireFormat) throws {
        for member in ["alice", "('127.0.0.1', 5000)", "밥", "q\"uote"] {
            for text in Self.texts {
                let general = try ChatWire.encode(.chat(member: member, text: text), format: format)
                if let fast = ChatWire.fastChatFrames(member: member, text: text, format: format) {
                    #expect(fast == general, "member \(member) text \(text)")
                } else {
                    #expect(format == .json && (member + text).contains(where: { $0 == "\"" || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 } == true }),
                            "fast path declined a simple case: \(member) \(text)")
                }
            }
        }
        #expect(ChatWire.fastChatFrames(member: "a", text: String(repeating: "z", count: 70_000), format: format) == nil)
    }

    @Test("a chat frame decodes to the same message, whatever the spacing or escapes")
    func decodesSame() throws {
        var bodies = Self.texts.map { String(decoding: ChatWire.jsonBody(ChatClientMessage.chat($0)), as: UTF8.self) }
        bodies += [#"{ "type": "CSChat", "text": "spaced" }"#, #"{"type":"CSChat","text":"\uc548\ub155"}"#,
                   #"{"text":"reversed","type":"CSChat"}"#, #"{"type":"CSChat","text":"a","extra":1}"#,
                   #"{"type":"CSName","name":"x"}"#]
        for body in bodies {
            let bytes = ArraySlice(Array(body.utf8))
            let general = try ChatWire.decodeJSONClient(bytes)
            if let fast = ChatWire.fastJSONClientChat(bytes) { #expect(fast == general, "\(body)") }
        }
        #expect(ChatWire.fastJSONClientChat(ArraySlice(Array(#"{ "type": "CSChat", "text": "spaced" }"#.utf8))) == .chat("spaced"))
        #expect(ChatWire.fastJSONClientChat(ArraySlice(Array(#"{"type":"CSChat","text":"a","extra":1}"#.utf8))) == nil)
        #expect(ChatWire.fastJSONClientChat(ArraySlice([0x7B, 0x22] + Array(#"type":"CSChat","text":""#.utf8) + [0xFF, 0x22, 0x7D])) == nil)
    }

    @Test("the word-at-a-time scan finds an escape, a control character or non-ASCII at every position")
    func scanEveryPosition() throws {
        let specials: [[UInt8]] = [[0x22], [0x5C], [0x0A], [0x1F], [0x00], [0x7F], [0x20], [0x21], [0x23], [0x5B], [0x5D],
                                   Array("é".utf8), Array("안".utf8), [0xC3], [0xFF], [0xA0, 0x22]]
        for length in 0..<26 {
            for position in 0...length {
                for special in specials {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text.insert(contentsOf: special, at: position)
                    // Decoding: as the general codec, or nil (then the general codec is used).
                    var body = Array(#"{"type":"CSChat","text":""#.utf8) + text + Array(#""}"#.utf8)
                    let general = try? ChatWire.decodeJSONClient(ArraySlice(body))
                    if let fast = ChatWire.fastJSONClientChat(ArraySlice(body)) {
                        #expect(fast == general, "text bytes \(text)")
                    } else if special.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }),
                              String(validating: text, as: UTF8.self) != nil {
                        Issue.record("the fast path refused a plain text: \(text)")
                    }
                    body.removeAll()
                    // Encoding: byte for byte the general codec's.
                    if let string = String(validating: text, as: UTF8.self) {
                        let general = try ChatWire.encode(.chat(member: "m", text: string), format: .json)
                        if let fast = ChatWire.fastChatFrames(member: "m", text: string, format: .json) {
                            #expect(fast == general, "text \(string.debugDescription)")
                        }
                    }
                }
            }
        }
    }
}
