import Testing
@testable import Nodes

/// Every command and every system message of docs/chat-protocol.md, over real loopback sockets,
/// in both formats, with one and with several event loops.
@Suite("Chat server: the protocol over loopback")
struct ChatServerProtocolTests {
    static let cases: [(ChatWireFormat, Int)] = [(.json, 1), (.protobuf, 1), (.json, 3), (.protobuf, 3)]

    @Test("every command and system message, as the reference server sends them", arguments: cases)
    func everyCommand(format: ChatWireFormat, workers: Int) throws {
        try withChatServer(format: format, workers: workers) { server in
            let alice = try ChatTestClient(port: server.port, format: format)
            let bob = try ChatTestClient(port: server.port, format: format)
            let carol = try ChatTestClient(port: server.port, format: format)

            try alice.send(.rooms)
            #expect(try alice.next() == .roomsResult([]))
            try alice.send(.name("alice"))
            #expect(try alice.nextSystem() == "이름이 alice 으로 변경되었습니다.")
            try alice.send(.leaveRoom)
            #expect(try alice.nextSystem() == "현재 대화방에 들어가 있지 않습니다.")
            try alice.send(.chat("hi"))
            #expect(try alice.nextSystem() == "현재 대화방에 들어가 있지 않습니다.")
            try alice.send(.joinRoom(1))
            #expect(try alice.nextSystem() == "대화방이 존재하지 않습니다.")
            try alice.send(.createRoom(title: "hello world"))
            #expect(try alice.nextSystem() == "방제[hello world] 방에 입장했습니다.")
            try alice.send(.createRoom(title: "again"))
            #expect(try alice.nextSystem() == "대화 방에 있을 때는 방을 개설 할 수 없습니다.")
            try alice.send(.joinRoom(1))
            #expect(try alice.nextSystem() == "대화 방에 있을 때는 다른 방에 들어갈 수 없습니다.")

            // Bob joins under his peer-address name; the earlier member is told.
            let bobAddress = try bob.defaultName
            try bob.send(.joinRoom(1))
            #expect(try bob.nextSystem() == "방제[hello world] 방에 입장했습니다.")
            #expect(try alice.nextSystem() == "[\(bobAddress)] 님이 입장했습니다.")
            // Renaming inside a room tells every member, the sender included.
            try bob.send(.name("bob"))
            #expect(try alice.nextSystem() == "\(bobAddress) 의 이름이 bob 으로 변경되었습니다.")
            #expect(try bob.nextSystem() == "\(bobAddress) 의 이름이 bob 으로 변경되었습니다.")

            try carol.send(.rooms)
            #expect(try carol.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "bob"])]))

            // A chat line goes to every other member, not back to the sender.
            try alice.send(.chat("안녕 bob"))
            #expect(try bob.next() == .chat(member: "alice", text: "안녕 bob"))
            try alice.send(.rooms)  // the next thing alice gets is this answer, not her own line
            guard case .roomsResult = try alice.next() else { throw ChatTestClientError(description: "alice got her own chat line") }

            // Leaving: the others first, then the leaver.
            try bob.send(.leaveRoom)
            #expect(try alice.nextSystem() == "[bob] 님이 퇴장했습니다.")
            #expect(try bob.nextSystem() == "방제[hello world] 대화 방에서 퇴장했습니다.")

            // A disconnect leaves the room too.
            try carol.send(.name("carol"))
            #expect(try carol.nextSystem() == "이름이 carol 으로 변경되었습니다.")
            try carol.send(.joinRoom(1))
            #expect(try carol.nextSystem() == "방제[hello world] 방에 입장했습니다.")
            #expect(try alice.nextSystem() == "[carol] 님이 입장했습니다.")
            carol.socket.close()
            #expect(try alice.nextSystem() == "[carol] 님이 퇴장했습니다.")

            // The last member leaving deletes the room; numbers are not reused.
            try alice.send(.leaveRoom)
            #expect(try alice.nextSystem() == "방제[hello world] 대화 방에서 퇴장했습니다.")
            try alice.send(.rooms)
            #expect(try alice.next() == .roomsResult([]))
            try bob.send(.createRoom(title: "두번째"))
            #expect(try bob.nextSystem() == "방제[두번째] 방에 입장했습니다.")
            try alice.send(.rooms)
            #expect(try alice.next() == .roomsResult([ChatRoomInfo(roomID: 2, title: "두번째", members: ["bob"])]))
        }
    }

    @Test("/shutdown closes every connection, joins every loop and lets wait() return", arguments: cases)
    func shutdown(format: ChatWireFormat, workers: Int) throws {
        var configuration = ChatServerConfiguration(port: 0, format: format, workers: workers)
        configuration.host = "127.0.0.1"
        let log = ChatLogLines()
        let server = ChatServer(configuration: configuration, log: { log.append($0) })
        try server.start()
        let watcher = try ChatTestClient(port: server.port, format: format)
        let admin = try ChatTestClient(port: server.port, format: format)
        try watcher.send(.rooms)
        _ = try watcher.next()
        try admin.send(.shutdown)
        #expect(admin.untilClosed() != nil, "the sender of /shutdown was not disconnected")
        #expect(watcher.untilClosed() != nil, "another client was not disconnected")
        server.wait()  // returns only once every loop thread has been joined
        #expect(server.isStopping)
        #expect(log.all.contains { $0.contains("/shutdown") })
        #expect(throws: (any Error).self) { _ = try ChatTestClient(port: server.port, format: format) }
    }
}
