import Glibc
import NetModel
import Testing
@testable import Nodes

/// Framing, bad input, slow readers and many connections, over real loopback sockets.
@Suite("Chat server: framing, bad input, slow readers, many connections")
struct ChatServerRobustnessTests {
    @Test("several messages in one write are all answered, in order", arguments: ChatWireFormat.allCases)
    func manyFramesInOneWrite(format: ChatWireFormat) throws {
        try withChatServer(format: format) { server in
            let client = try ChatTestClient(port: server.port, format: format)
            var bytes: [UInt8] = []
            for message: ChatClientMessage in [.name("one"), .createRoom(title: "t"), .leaveRoom, .rooms, .joinRoom(9)] {
                bytes += try ChatWire.encode(message, format: format)
            }
            try client.sendRaw(bytes)
            #expect(try client.nextSystem() == "이름이 one 으로 변경되었습니다.")
            #expect(try client.nextSystem() == "방제[t] 방에 입장했습니다.")
            #expect(try client.nextSystem() == "방제[t] 대화 방에서 퇴장했습니다.")
            #expect(try client.next() == .roomsResult([]))
            #expect(try client.nextSystem() == "대화방이 존재하지 않습니다.")
        }
    }

    @Test("messages written one byte at a time decode the same", arguments: ChatWireFormat.allCases)
    func byteByByte(format: ChatWireFormat) throws {
        try withChatServer(format: format) { server in
            let sender = try ChatTestClient(port: server.port, format: format)
            let receiver = try ChatTestClient(port: server.port, format: format)
            try sender.send(.createRoom(title: "bytes"))
            _ = try sender.nextSystem()
            try receiver.send(.joinRoom(1))
            _ = try receiver.nextSystem()
            _ = try sender.nextSystem()
            var bytes: [UInt8] = []
            for message: ChatClientMessage in [.name("천천히"), .chat("한 바이트씩 split"), .chat("second")] {
                bytes += try ChatWire.encode(message, format: format)
            }
            // Each byte is sent only once the server has read the one before: every byte
            // arrives in a read of its own.
            var expected = server.bytesRead
            for byte in bytes {
                try sender.sendRaw([byte])
                expected += 1
                #expect(server.waitForBytesRead(atLeast: expected, timeout: .seconds(5)))
            }
            let renamed = try sender.defaultName + " 의 이름이 천천히 으로 변경되었습니다."
            #expect(try receiver.nextSystem() == renamed)
            #expect(try receiver.next() == .chat(member: "천천히", text: "한 바이트씩 split"))
            #expect(try receiver.next() == .chat(member: "천천히", text: "second"))
        }
    }

    static let badInputs: [(String, ChatWireFormat, [UInt8])] = [
        ("JSON that does not parse", .json, [0, 8] + Array("not json".utf8)),
        ("an unknown JSON type", .json, [0, 16] + Array(#"{"type":"CSNope"}"#.utf8)),
        ("a JSON message missing a field", .json, [0, 17] + Array(#"{"type":"CSName"}"#.utf8)),
        ("an oversized JSON frame", .json, [0xFF, 0xFF] + Array(repeating: 0x20, count: 100)),
        ("a protobuf Type out of the enum", .protobuf, [0, 2, 0x08, 42, 0, 0]),
        ("a server-to-client protobuf type", .protobuf, [0, 2, 0x08, 9, 0, 0]),
        ("a truncated protobuf body", .protobuf, [0, 2, 0x08, 0, 0, 2, 0x0A, 5]),
        ("an oversized protobuf frame", .protobuf, [0x80, 0x00]),
    ]

    @Test("a bad frame closes only its connection, with a notice and a log line", arguments: badInputs)
    func badFrame(what: String, format: ChatWireFormat, bytes: [UInt8]) throws {
        let log = ChatLogLines()
        try withChatServer(format: format, log: log) { server in
            let good = try ChatTestClient(port: server.port, format: format)
            let bad = try ChatTestClient(port: server.port, format: format)
            try good.send(.createRoom(title: "stay"))
            _ = try good.nextSystem()
            try bad.send(.joinRoom(1))
            _ = try bad.nextSystem()
            _ = try good.nextSystem()
            try bad.sendRaw(bytes)
            let before = try #require(bad.untilClosed(), "\(what): the connection stayed open")
            #expect(before.contains { if case .system(let t) = $0 { t.hasPrefix("잘못된 메시지로 연결을 종료합니다") } else { false } })
            // The other client is told the bad one left, and is still served.
            #expect(try good.nextSystem().hasSuffix("님이 퇴장했습니다."))
            try good.send(.chat("still here"))
            try good.send(.rooms)
            #expect(try good.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "stay", members: [try good.defaultName])]))
            let late = try ChatTestClient(port: server.port, format: format)
            try late.send(.rooms)
            #expect(try late.next() != .roomsResult([]))
        }
        #expect(log.all.contains { $0.contains("closed connection") && $0.contains("bad message") }, "\(log.all)")
    }

    @Test("a reader that stops reading is disconnected; the room carries on")
    func slowConsumer() throws {
        let log = ChatLogLines()
        try withChatServer(format: .json, log: log, configure: { $0.maxPendingOutput = 64 * 1024 }) { server in
            let sender = try ChatTestClient(port: server.port, format: .json)
            let slow = try ChatTestClient(port: server.port, format: .json)
            let fast = try ChatTestClient(port: server.port, format: .json)
            try sender.send(.createRoom(title: "flood"))
            _ = try sender.nextSystem()
            for client in [slow, fast] {
                try client.send(.joinRoom(1))
                _ = try client.nextSystem()
            }
            try sender.send(.name("sender"))
            let line = String(repeating: "x", count: 16_000)
            var disconnected = false
            var sent = 0
            // The fast reader keeps up; the slow one never reads. Stop once the server says it left.
            while sent < 20_000, !disconnected {
                try sender.send(.chat(line))
                sent += 1
                while true {
                    let message = try fast.next()
                    if case .chat = message { break }
                    if case .system(let text) = message, text.hasSuffix("님이 퇴장했습니다.") { disconnected = true }
                }
            }
            #expect(disconnected, "the slow reader was never cut off after \(sent) lines")
            #expect(slow.untilClosed(timeoutMilliseconds: 5000) != nil)
            try sender.send(.chat("after"))
            #expect(try fast.next() == .chat(member: "sender", text: "after"))
        }
        #expect(log.all.contains { $0.contains("slow consumer") }, "\(log.all)")
    }
}
