import Testing
@testable import Nodes

/// How a chat door turns the chat node's pushes back into the standalone server's messages.
struct ChatPushEffectTests {
    @Test("Each push maps to the effect with the same payload, for the given member")
    func mapping() throws {
        let member: ChatMemberID = "7"
        #expect(ChatPush.system("[bob] 님이 입장했습니다.").effect(for: member)
                == .system(to: "7", text: "[bob] 님이 입장했습니다."))
        #expect(ChatPush.line(member: "alice", text: "hi", messageID: 99).effect(for: member)
                == .chat(to: "7", from: "alice", text: "hi"))
        let rooms = ChatPush.rooms([ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "bob"]),
                                    ChatRoomInfo(roomID: 3, title: "", members: [])])
        #expect(rooms.effect(for: member) == .rooms(to: "7", [ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "bob"]),
                                                             ChatRoomInfo(roomID: 3, title: "", members: [])]))
    }

    @Test("The effect encodes to the same bytes as the local backend's", arguments: [ChatWireFormat.json, .protobuf])
    func sameBytes(format: ChatWireFormat) throws {
        var rooms = ChatRooms()
        rooms.connect("1", name: "alice")
        let local = rooms.create("1", title: "방")
        let viaPush = ChatPush.system("방제[방] 방에 입장했습니다.").effect(for: "1")
        #expect(local == [viaPush])
        #expect(try ChatWire.encode(viaPush.message, format: format) == ChatWire.encode(local[0].message, format: format))
    }
}
