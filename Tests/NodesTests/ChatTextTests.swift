import NetModel
@testable import Nodes
import Testing

@Suite("ChatText: seed 004's system messages in one place")
struct ChatTextTests {
    @Test("the texts a room operation sends are ChatText's, byte for byte as the reference server's")
    func referenceTexts() {
        #expect(ChatText.entered(room: "hello world") == "방제[hello world] 방에 입장했습니다.")
        #expect(ChatText.left(room: "t") == "방제[t] 대화 방에서 퇴장했습니다.")
        #expect(ChatText.memberJoined("bob") == "[bob] 님이 입장했습니다.")
        #expect(ChatText.renamed("alice", to: "test") == "alice 의 이름이 test 으로 변경되었습니다.")
        var rooms = ChatRooms()
        rooms.connect("a", name: "A")
        #expect(rooms.create("a", title: "t") == [.system(to: "a", text: ChatText.entered(room: "t"))])
        #expect(rooms.join("a", roomID: 1) == [.system(to: "a", text: ChatText.cannotJoinInRoom)])
    }

    @Test("a room entry is recognized; the other notices are not entries",
          arguments: [(ChatText.entered(room: "x] y"), true), (ChatText.memberJoined("bob"), false),
                      (ChatText.left(room: "x"), false), (ChatText.noSuchRoom, false)])
    func roomEntry(text: String, isEntry: Bool) {
        #expect(ChatText.isRoomEntry(text) == isEntry)
    }
}

@Suite("PushIDLayout: ids are packed in one place")
struct PushIDLayoutTests {
    @Test("an id is the prefix with the counter in the low 32 bits; the prefix gives the request incarnation back")
    func packing() {
        let prefix = PushIDLayout.prefix(node: NodeName(.chat, 1), incarnation: 0xABCDE)
        #expect(PushIDLayout.id(prefix: prefix, counter: 7) == prefix | 7)
        #expect(PushIDLayout.incarnation(ofPrefix: prefix) == (0xC01 << 20 | 0xABCDE))
        #expect(PushIDLayout.clientLineID(client: NodeName(.client, 3), counter: 2) == 3 << 32 | 2)
    }
}
