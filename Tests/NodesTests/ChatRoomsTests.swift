import Foundation
import Testing
import NetModel
@testable import Nodes

private let alice: ChatMemberID = "alice-id"
private let bob: ChatMemberID = "bob-id"
private let carol: ChatMemberID = "carol-id"

/// A node with alice, bob and carol connected under their names, no rooms.
private func makeRooms(names: [ChatMemberID: String] = [alice: "alice", bob: "bob", carol: "carol"]) -> ChatRooms {
    var rooms = ChatRooms()
    for member in [alice, bob, carol] where names[member] != nil {
        rooms.connect(member, name: names[member] ?? "")
    }
    return rooms
}

/// `makeRooms()` with alice's room 1 "hello world", then bob and carol joined in that order.
private func makeRoomWithAll() -> ChatRooms {
    var rooms = makeRooms()
    _ = rooms.create(alice, title: "hello world")
    _ = rooms.join(bob, roomID: 1)
    _ = rooms.join(carol, roomID: 1)
    return rooms
}

@Suite("ChatRooms: commands and exact system messages")
struct ChatRoomsCommandTests {
    @Test("connect sends nothing and uses the default name")
    func connect() {
        var rooms = ChatRooms()
        #expect(rooms.connect(alice, name: "('127.0.0.1', 34412)") == [])
        #expect(rooms.name(of: alice) == "('127.0.0.1', 34412)")
        #expect(rooms.isConnected(alice))
        #expect(rooms.connect(alice, name: "other") == [])
        #expect(rooms.name(of: alice) == "('127.0.0.1', 34412)", "reconnecting changes nothing")
        #expect(rooms.memberCount == 1)
    }

    @Test("/name outside a room: to the sender only")
    func renameOutside() {
        var rooms = makeRooms()
        #expect(rooms.rename(alice, to: "test") == [.system(to: alice, text: "이름이 test 으로 변경되었습니다.")])
        #expect(rooms.name(of: alice) == "test")
    }

    @Test("/name inside a room: old and new name to every member, sender included, join order")
    func renameInside() {
        var rooms = makeRoomWithAll()
        let text = "bob 의 이름이 test 으로 변경되었습니다."
        #expect(rooms.rename(bob, to: "test") == [
            .system(to: alice, text: text), .system(to: bob, text: text), .system(to: carol, text: text),
        ])
        #expect(rooms.roomList.first?.members == ["alice", "test", "carol"])
        #expect(rooms.chat(bob, text: "hi").first == .chat(to: alice, from: "test", text: "hi"))
    }

    @Test("/name with an empty name falls back to the default name, as the reference does")
    func renameEmpty() {
        var rooms = makeRooms()
        _ = rooms.rename(alice, to: "test")
        #expect(rooms.rename(alice, to: "") == [.system(to: alice, text: "이름이  으로 변경되었습니다.")])
        #expect(rooms.name(of: alice) == "alice")
    }

    @Test("/rooms with no rooms is an empty list")
    func roomsEmpty() {
        let rooms = makeRooms()
        #expect(rooms.listRooms(alice) == [.rooms(to: alice, [])])
    }

    @Test("/rooms lists number, title and member names in join order")
    func roomsListed() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "hello world")
        _ = rooms.create(bob, title: "두번째 방")
        _ = rooms.join(carol, roomID: 1)
        #expect(rooms.listRooms(carol) == [.rooms(to: carol, [
            ChatRoomInfo(roomID: 1, title: "hello world", members: ["alice", "carol"]),
            ChatRoomInfo(roomID: 2, title: "두번째 방", members: ["bob"]),
        ])])
    }

    @Test("/create outside a room makes a room, joins the creator and tells only the creator")
    func create() {
        var rooms = makeRooms()
        #expect(rooms.create(alice, title: "hello world") == [.system(to: alice, text: "방제[hello world] 방에 입장했습니다.")])
        #expect(rooms.room(of: alice) == 1)
        #expect(rooms.members(ofRoom: 1) == [alice])
        #expect(rooms.roomCount == 1)
    }

    @Test("/create inside a room is refused and makes no room")
    func createInside() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "hello world")
        #expect(rooms.create(alice, title: "x") == [.system(to: alice, text: "대화 방에 있을 때는 방을 개설 할 수 없습니다.")])
        #expect(rooms.roomCount == 1)
        #expect(rooms.nextRoomID == 2, "a refused create consumes no number")
    }

    @Test("/join: the joiner first, then every earlier member in join order")
    func join() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "hello world")
        _ = rooms.join(bob, roomID: 1)
        #expect(rooms.join(carol, roomID: 1) == [
            .system(to: carol, text: "방제[hello world] 방에 입장했습니다."),
            .system(to: alice, text: "[carol] 님이 입장했습니다."),
            .system(to: bob, text: "[carol] 님이 입장했습니다."),
        ])
        #expect(rooms.members(ofRoom: 1) == [alice, bob, carol])
    }

    @Test("/join while in a room is refused")
    func joinInside() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "a")
        _ = rooms.create(bob, title: "b")
        #expect(rooms.join(alice, roomID: 2) == [.system(to: alice, text: "대화 방에 있을 때는 다른 방에 들어갈 수 없습니다.")])
        #expect(rooms.join(alice, roomID: 99) == [.system(to: alice, text: "대화 방에 있을 때는 다른 방에 들어갈 수 없습니다.")],
                "the in-a-room check comes before the existence check")
        #expect(rooms.members(ofRoom: 2) == [bob])
    }

    @Test("/join of a missing room", arguments: [0, -1, 2, 99, Int(Int32.max), Int(Int32.min)])
    func joinMissing(roomID: Int) {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "a")
        #expect(rooms.join(bob, roomID: roomID) == [.system(to: bob, text: "대화방이 존재하지 않습니다.")])
        #expect(rooms.room(of: bob) == nil)
    }

    @Test("/leave outside a room")
    func leaveOutside() {
        var rooms = makeRooms()
        #expect(rooms.leave(alice) == [.system(to: alice, text: "현재 대화방에 들어가 있지 않습니다.")])
    }

    @Test("/leave: the others in join order, then the leaver")
    func leave() {
        var rooms = makeRoomWithAll()
        #expect(rooms.leave(bob) == [
            .system(to: alice, text: "[bob] 님이 퇴장했습니다."),
            .system(to: carol, text: "[bob] 님이 퇴장했습니다."),
            .system(to: bob, text: "방제[hello world] 대화 방에서 퇴장했습니다."),
        ])
        #expect(rooms.members(ofRoom: 1) == [alice, carol])
        #expect(rooms.room(of: bob) == nil)
    }

    @Test("chat outside a room")
    func chatOutside() {
        let rooms = makeRooms()
        #expect(rooms.chat(alice, text: "hi") == [.system(to: alice, text: "현재 대화방에 들어가 있지 않습니다.")])
    }

    @Test("chat inside a room goes to every OTHER member with the sender's name", arguments: ["hi", "", "안녕 😀"])
    func chatInside(text: String) {
        let rooms = makeRoomWithAll()
        #expect(rooms.chat(bob, text: text) == [
            .chat(to: alice, from: "bob", text: text), .chat(to: carol, from: "bob", text: text),
        ])
    }

    @Test("chat alone in a room reaches nobody")
    func chatAlone() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "solo")
        #expect(rooms.chat(alice, text: "anyone?") == [])
    }

    @Test("handle dispatches every client message")
    func handle() {
        var rooms = makeRooms()
        #expect(rooms.handle(.name("A"), from: alice) == [.system(to: alice, text: "이름이 A 으로 변경되었습니다.")])
        #expect(rooms.handle(.createRoom(title: "t"), from: alice) == [.system(to: alice, text: "방제[t] 방에 입장했습니다.")])
        #expect(rooms.handle(.joinRoom(1), from: bob).count == 2)
        #expect(rooms.handle(.rooms, from: carol) == [.rooms(to: carol, [ChatRoomInfo(roomID: 1, title: "t", members: ["A", "bob"])])])
        #expect(rooms.handle(.chat("x"), from: bob) == [.chat(to: alice, from: "bob", text: "x")])
        #expect(rooms.handle(.leaveRoom, from: bob).last == .system(to: bob, text: "방제[t] 대화 방에서 퇴장했습니다."))
        #expect(rooms.handle(.shutdown, from: alice) == [])
    }

    @Test("operations by a member that is not connected are ignored")
    func unknownMember() {
        var rooms = makeRooms()
        let ghost: ChatMemberID = "ghost"
        #expect(rooms.rename(ghost, to: "x") == [])
        #expect(rooms.listRooms(ghost) == [])
        #expect(rooms.create(ghost, title: "x") == [])
        #expect(rooms.join(ghost, roomID: 1) == [])
        #expect(rooms.leave(ghost) == [])
        #expect(rooms.chat(ghost, text: "x") == [])
        #expect(rooms.disconnect(ghost) == [])
        #expect(rooms.roomCount == 0 && rooms.memberCount == 3)
    }

    @Test("effects map to wire messages and recipients")
    func effectMessages() {
        #expect(ChatEffect.system(to: bob, text: "t").message == .system("t"))
        #expect(ChatEffect.chat(to: bob, from: "a", text: "t").message == .chat(member: "a", text: "t"))
        #expect(ChatEffect.rooms(to: carol, []).message == .roomsResult([]))
        #expect(ChatEffect.rooms(to: carol, []).recipient == carol)
    }
}

@Suite("ChatRooms: numbering, deletion, disconnect")
struct ChatRoomsLifecycleTests {
    @Test("rooms are numbered 1, 2, 3 and a number is never reused after deletion")
    func numbering() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "a")
        _ = rooms.create(bob, title: "b")
        #expect(rooms.roomList.map(\.roomID) == [1, 2])
        _ = rooms.leave(alice)
        #expect(rooms.members(ofRoom: 1) == nil, "an empty room is deleted")
        #expect(rooms.roomCount == 1)
        _ = rooms.create(carol, title: "c")
        _ = rooms.create(alice, title: "d")
        #expect(rooms.roomList.map(\.roomID) == [2, 3, 4])
        #expect(rooms.join(bob, roomID: 1).isEmpty == false)
        #expect(rooms.room(of: bob) == 2)
    }

    @Test("a room is deleted only when its last member leaves")
    func deletion() {
        var rooms = makeRoomWithAll()
        _ = rooms.leave(alice)
        _ = rooms.leave(bob)
        #expect(rooms.members(ofRoom: 1) == [carol])
        _ = rooms.leave(carol)
        #expect(rooms.roomCount == 0)
        #expect(rooms.join(alice, roomID: 1) == [.system(to: alice, text: "대화방이 존재하지 않습니다.")])
    }

    @Test("room list is in number order and members in join order after churn")
    func ordering() {
        var rooms = makeRooms()
        for (member, title) in [(alice, "1"), (bob, "2"), (carol, "3")] { _ = rooms.create(member, title: title) }
        _ = rooms.leave(bob)           // room 2 deleted
        _ = rooms.join(bob, roomID: 3)
        _ = rooms.leave(alice)         // room 1 deleted
        _ = rooms.join(alice, roomID: 3)
        #expect(rooms.roomList == [ChatRoomInfo(roomID: 3, title: "3", members: ["carol", "bob", "alice"])])
    }

    @Test("disconnect notifies the others in join order and forgets the member")
    func disconnect() {
        var rooms = makeRoomWithAll()
        #expect(rooms.disconnect(alice) == [
            .system(to: bob, text: "[alice] 님이 퇴장했습니다."), .system(to: carol, text: "[alice] 님이 퇴장했습니다."),
        ])
        #expect(!rooms.isConnected(alice))
        #expect(rooms.name(of: alice) == nil)
        #expect(rooms.members(ofRoom: 1) == [bob, carol])
        #expect(rooms.chat(alice, text: "x") == [])
    }

    @Test("disconnect of the last member deletes the room; outside a room it is silent")
    func disconnectLast() {
        var rooms = makeRooms()
        _ = rooms.create(alice, title: "a")
        #expect(rooms.disconnect(alice) == [])
        #expect(rooms.roomCount == 0)
        #expect(rooms.disconnect(bob) == [])
        #expect(rooms.memberCount == 1)
    }

    @Test("a reconnected id starts fresh, with no room")
    func reconnect() {
        var rooms = makeRoomWithAll()
        _ = rooms.disconnect(bob)
        rooms.connect(bob, name: "bob2")
        #expect(rooms.room(of: bob) == nil)
        #expect(rooms.join(bob, roomID: 1).last == .system(to: carol, text: "[bob2] 님이 입장했습니다."))
        #expect(rooms.members(ofRoom: 1) == [alice, carol, bob])
    }

    @Test("ChatMemberID codes as a bare string and orders by it")
    func memberID() throws {
        #expect(ChatMemberID("a") < ChatMemberID("b"))
        #expect(alice.description == "alice-id")
        #expect([carol, alice, bob].sorted() == [alice, bob, carol])
        let encoded = try JSONEncoder().encode([alice])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["alice-id"]"#)
        #expect(try JSONDecoder().decode([ChatMemberID].self, from: encoded) == [alice])
    }
}

@Suite("ChatRooms: the /rooms list kept up to date")
struct ChatRoomsListTests {
    /// The list as `/rooms` reported it before it was kept up to date: every room in number
    /// order, each member's current display name in join order.
    static func recomputed(_ rooms: ChatRooms) -> [ChatRoomInfo] {
        (1..<max(1, rooms.nextRoomID)).compactMap { id in
            guard let title = rooms.title(ofRoom: id), let members = rooms.members(ofRoom: id) else { return nil }
            return ChatRoomInfo(roomID: id, title: title, members: members.map { rooms.name(of: $0) ?? $0.rawValue })
        }
    }

    @Test("after every operation of a long random sequence, the list is the one recomputed from the rooms",
          arguments: [1, 2, 3] as [UInt64])
    func matchesRecomputed(seed: UInt64) {
        var rng = SeededRandom(seed: seed, stream: "chat-rooms-list")
        let members = (1...12).map { ChatMemberID("m\($0)") }
        var rooms = ChatRooms()
        for step in 0..<3_000 {
            let m = members[Int(rng.next() % UInt64(members.count))]
            let room = Int(rng.next() % 8) + 1
            switch rng.next() % 8 {
            case 0: rooms.connect(m, name: "name-\(m.rawValue)")
            case 1: _ = rooms.create(m, title: "room-\(room)")
            case 2, 3: _ = rooms.join(m, roomID: room)
            case 4: _ = rooms.leave(m)
            case 5: _ = rooms.rename(m, to: rng.next() % 4 == 0 ? "" : "n\(step)")
            case 6: _ = rooms.disconnect(m)
            default: _ = rooms.restore(m, roomID: room, title: "room-\(rng.next() % 10)")
            }
            #expect(rooms.roomList == Self.recomputed(rooms), "step \(step)")
            if rooms.roomList != Self.recomputed(rooms) { return }
        }
        #expect(rooms.roomCount == rooms.roomList.count)
    }
}
