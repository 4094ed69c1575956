import Testing
@testable import Nodes

/// Frames a JSON text.
private func framed(_ text: String) -> [UInt8] {
    let body = Array(text.utf8)
    return [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
}

/// Decodes one client message from a JSON text.
private func client(_ text: String) throws(ChatWireError) -> ChatClientMessage? {
    var decoder = ChatFrameDecoder(format: .json)
    decoder.append(framed(text))
    return try decoder.nextClientMessage()
}

/// The error decoding `text` as a client message throws, if any.
private func clientError(_ text: String) -> ChatWireError? {
    do { _ = try client(text); return nil } catch { return error }
}

/// Decodes one server message from a JSON text.
private func server(_ text: String) throws(ChatWireError) -> ChatServerMessage? {
    var decoder = ChatFrameDecoder(format: .json)
    decoder.append(framed(text))
    return try decoder.nextServerMessage()
}

@Suite("Chat wire: JSON")
struct ChatWireJSONTests {
    @Test("server messages encode to the exact compact shapes with raw UTF-8", arguments: [
        (ChatServerMessage.system("방제[hello world] 방에 입장했습니다."),
         #"{"type":"SCSystemMessage","text":"방제[hello world] 방에 입장했습니다."}"#),
        (.chat(member: "alice", text: "안녕"), #"{"type":"SCChat","member":"alice","text":"안녕"}"#),
        (.roomsResult([]), #"{"type":"SCRoomsResult","rooms":[]}"#),
        (.roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "bob"]),
                       ChatRoomInfo(roomID: 3, title: "t", members: [])]),
         #"{"type":"SCRoomsResult","rooms":[{"roomId":1,"title":"hello world","members":["alice","bob"]},{"roomId":3,"title":"t","members":[]}]}"#),
    ])
    func serverShapes(message: ChatServerMessage, json: String) throws {
        #expect(try ChatWire.encode(message, format: .json) == framed(json))
        #expect(try server(json) == message)
    }

    @Test("client messages encode to the exact compact shapes", arguments: [
        (ChatClientMessage.name("test"), #"{"type":"CSName","name":"test"}"#),
        (.rooms, #"{"type":"CSRooms"}"#),
        (.createRoom(title: "hello world"), #"{"type":"CSCreateRoom","title":"hello world"}"#),
        (.joinRoom(2), #"{"type":"CSJoinRoom","roomId":2}"#),
        (.joinRoom(-7), #"{"type":"CSJoinRoom","roomId":-7}"#),
        (.leaveRoom, #"{"type":"CSLeaveRoom"}"#),
        (.chat("안녕하세요"), #"{"type":"CSChat","text":"안녕하세요"}"#),
        (.shutdown, #"{"type":"CSShutdown"}"#),
    ])
    func clientShapes(message: ChatClientMessage, json: String) throws {
        #expect(try ChatWire.encode(message, format: .json) == framed(json))
        #expect(try client(json) == message)
    }

    @Test("strings escape quotes, backslashes and control characters, and round-trip")
    func escaping() throws {
        let text = "a\"b\\c\nd\te\r\u{01}\u{1f}/é😀"
        let bytes = try ChatWire.encode(ChatServerMessage.system(text), format: .json)
        #expect(bytes == framed(#"{"type":"SCSystemMessage","text":"a\"b\\c\nd\te\r\u0001\u001f/é😀"}"#))
        #expect(try server(#"{"type":"SCSystemMessage","text":"a\"b\\c\nd\te\r\u0001\u001f/é😀"}"#) == .system(text))
    }

    @Test("Python json.dumps output (spaces, \\u escapes of Korean, surrogate pairs) decodes")
    func pythonStyle() throws {
        #expect(try client(#"{"type": "CSName", "name": "\uc548\ub155"}"#) == .name("안녕"))
        #expect(try client(#"{"type": "CSChat", "text": "\ud83d\ude00 \uD55C\uAE00 \/ \b\f"}"#) == .chat("😀 한글 / \u{08}\u{0C}"))
        #expect(try server(#"{"type": "SCSystemMessage", "text": "\ubc29\uc81c[hello world] \ubc29\uc5d0 \uc785\uc7a5\ud588\uc2b5\ub2c8\ub2e4."}"#)
                == .system("방제[hello world] 방에 입장했습니다."))
        #expect(try client(" \r\n\t{ \"roomId\" : 4 , \"type\" : \"CSJoinRoom\" } \n") == .joinRoom(4))
        #expect(try client("\u{FEFF}{\"type\":\"CSRooms\"}") == .rooms, "a UTF-8 BOM is skipped")
    }

    @Test("unknown keys are ignored; a repeated key keeps its last value")
    func lenientKeys() throws {
        #expect(try client(#"{"type":"CSChat","text":"a","extra":{"x":[1,2,{"y":null}]},"text":"b"}"#) == .chat("b"))
        #expect(try client(#"{"type":"CSCreateRoom"}"#) == .createRoom(title: ""), "title is optional, as in the .proto")
        #expect(try server(#"{"type":"SCRoomsResult"}"#) == .roomsResult([]))
        #expect(try server(#"{"type":"SCRoomsResult","rooms":[{"roomId":5}]}"#)
                == .roomsResult([ChatRoomInfo(roomID: 5, title: "", members: [])]))
    }

    @Test("roomId accepts integral numbers and decimal strings, like Python's int()", arguments: [
        ("3", Int32(3)), ("-2", -2), ("3.0", 3), ("3e0", 3), ("30E-1", 3), ("\"7\"", 7), ("2147483647", Int32.max),
        ("-2147483648", Int32.min), ("0", 0), ("-0", 0),
    ])
    func roomIDForms(literal: String, value: Int32) throws {
        #expect(try client("{\"type\":\"CSJoinRoom\",\"roomId\":\(literal)}") == .joinRoom(value))
    }

    @Test("roomId that is not an int32", arguments: ["3.5", "2147483648", "-2147483649", "1e20", "\"x\"", "\"\"",
                                                     "true", "null", "[1]", "{}", "99999999999999999999999"])
    func badRoomID(literal: String) {
        let error = clientError("{\"type\":\"CSJoinRoom\",\"roomId\":\(literal)}")
        guard case .invalidField(let field, _)? = error else {
            Issue.record("expected invalidField, got \(String(describing: error))")
            return
        }
        #expect(field == "CSJoinRoom.roomId")
    }

    @Test("missing and mistyped fields")
    func fieldErrors() {
        #expect(clientError(#"{"name":"x"}"#) == .missingField("type"))
        #expect(clientError(#"{"type":5}"#) == .invalidField("type", reason: "expected a string"))
        #expect(clientError(#"{"type":"CSName"}"#) == .missingField("CSName.name"))
        #expect(clientError(#"{"type":"CSName","name":null}"#) == .invalidField("CSName.name", reason: "expected a string"))
        #expect(clientError(#"{"type":"CSChat"}"#) == .missingField("CSChat.text"))
        #expect(clientError(#"{"type":"CSChat","text":1}"#) == .invalidField("CSChat.text", reason: "expected a string"))
        #expect(clientError(#"{"type":"CSJoinRoom"}"#) == .missingField("CSJoinRoom.roomId"))
        #expect(clientError(#"{"type":"CSCreateRoom","title":[]}"#)
                == .invalidField("CSCreateRoom.title", reason: "expected a string"))
    }

    @Test("server-side field errors")
    func serverFieldErrors() {
        func error(_ text: String) -> ChatWireError? {
            do { _ = try server(text); return nil } catch { return error }
        }
        #expect(error(#"{"type":"SCChat","text":"x"}"#) == .missingField("SCChat.member"))
        #expect(error(#"{"type":"SCSystemMessage"}"#) == .missingField("SCSystemMessage.text"))
        #expect(error(#"{"type":"SCRoomsResult","rooms":{}}"#) == .invalidField("SCRoomsResult.rooms", reason: "expected an array"))
        #expect(error(#"{"type":"SCRoomsResult","rooms":[{"title":"x"}]}"#) == .missingField("SCRoomsResult.rooms[].roomId"))
        #expect(error(#"{"type":"SCRoomsResult","rooms":[{"roomId":1,"members":[1]}]}"#)
                == .invalidField("SCRoomsResult.rooms[].members", reason: "expected an array of strings"))
        #expect(error(#"{"type":"CSChat","text":"x"}"#) == .unknownType("\"CSChat\""))
    }

    @Test("unknown and wrong-direction types", arguments: ["CSFoo", "SCChat", "SCSystemMessage", "", "csname"])
    func unknownType(type: String) {
        #expect(clientError("{\"type\":\"\(type)\",\"text\":\"x\"}") == .unknownType("\"\(type)\""))
    }

    @Test("malformed JSON", arguments: [
        "", " ", "{", "}", "[]", "\"CSRooms\"", "42", "null", "{\"type\":\"CSRooms\"", "{\"type\" \"CSRooms\"}",
        "{\"type\":\"CSRooms\",}", "{\"type\":\"CSRooms\"} x", "{'type':'CSRooms'}", "{\"type\":\"CSChat\",\"text\":\"a\nb\"}",
        "{\"type\":\"CSChat\",\"text\":\"\\ud800\"}", "{\"type\":\"CSChat\",\"text\":\"\\udc00\"}",
        "{\"type\":\"CSChat\",\"text\":\"\\ud800\\u0041\"}", "{\"type\":\"CSChat\",\"text\":\"\\u12\"}",
        "{\"type\":\"CSChat\",\"text\":\"\\x\"}", "{\"type\":\"CSChat\",\"text\":\"abc", "{\"a\":tru}", "{\"a\":01}",
        "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":.5}", "{\"a\":NaN}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
    ])
    func malformed(text: String) {
        let error = clientError(text)
        guard case .malformedJSON(let why)? = error else {
            Issue.record("expected malformedJSON for \(text.debugDescription), got \(String(describing: error))")
            return
        }
        #expect(!why.isEmpty)
    }

    @Test("invalid UTF-8 inside a string is malformed, not a crash")
    func invalidUTF8() {
        var decoder = ChatFrameDecoder(format: .json)
        let body = Array(#"{"type":"CSChat","text":""#.utf8) + [0xff, 0xc3, 0x28] + Array(#""}"#.utf8)
        decoder.append([0, UInt8(body.count)] + body)
        #expect(throws: ChatWireError.malformedJSON("the string before this point is not valid UTF-8 at byte 29")) {
            try decoder.nextClientMessage()
        }
    }

    @Test("deep nesting is refused without deep recursion", arguments: ["[", "{\"a\":"])
    func deepNesting(opener: String) {
        let text = "{\"type\":\"CSRooms\",\"x\":" + String(repeating: opener, count: 5000)
        let error = clientError(text)
        guard case .malformedJSON(let why)? = error else {
            Issue.record("expected malformedJSON, got \(String(describing: error))")
            return
        }
        #expect(why.hasPrefix("nesting deeper than 64"))
    }

    @Test("nesting within the limit is fine")
    func moderateNesting() throws {
        let text = "{\"type\":\"CSRooms\",\"x\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect(try client(text) == .rooms)
    }
}
