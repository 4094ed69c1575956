import NetModel
import Nodes
import Synchronization
import Testing
@testable import ClusterSim

/// Two chat servers attached to one cluster (management, session and chat nodes on loopback
/// TCP) share their rooms: what a client of one door does, the clients of the other see, with
/// the exact messages of docs/chat-protocol.md.
@Suite(.serialized)
struct ClusterChatTests {
    /// Quick registration (a ping every 100 ms) and a ping timeout generous enough that a live
    /// node of a starved test process is not taken for dead (600 ms left little margin on a
    /// loaded two-core machine). The dead door's removal is waited for as the manager's event,
    /// and no other node may have been removed.
    static let fastPings = ClusterSettings(pingInterval: .milliseconds(100), pingTimeout: .seconds(5))

    @Test("Rooms shared across two doors: create, rooms, join, lines both ways, name, leave, disconnect, door stop")
    func sharedRooms() throws {
        let cluster = try LoopbackChatCluster(settings: Self.fastPings)
        defer { cluster.stop() }
        let doorA = try ChatDoorServer(1, cluster: cluster, format: .json)
        defer { doorA.stop() }
        let doorB = try ChatDoorServer(2, cluster: cluster, format: .json)
        defer { doorB.stop() }

        let alice = try ClusterChatClient(port: doorA.port, format: .json)
        let bob = try ClusterChatClient(port: doorB.port, format: .json)
        let aliceName = try alice.defaultName, bobName = try bob.defaultName

        try alice.send(.createRoom(title: "hello world"))
        #expect(try alice.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        try bob.send(.rooms)
        #expect(try bob.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: [aliceName])]))

        try bob.send(.joinRoom(1))
        #expect(try bob.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 입장했습니다.")

        try alice.send(.chat("hi bob"))
        #expect(try bob.next() == .chat(member: aliceName, text: "hi bob"))
        try bob.send(.chat("hi alice"))
        #expect(try alice.next() == .chat(member: bobName, text: "hi alice"))

        try bob.send(.name("bob"))
        let renamed = "\(bobName) 의 이름이 bob 으로 변경되었습니다."
        #expect(try alice.nextSystem() == renamed)
        #expect(try bob.nextSystem() == renamed)

        // A second client of door A joins; then its connection closes: both others get the notice.
        let carol = try ClusterChatClient(port: doorA.port, format: .json)
        let carolName = try carol.defaultName
        try carol.send(.joinRoom(1))
        #expect(try carol.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[\(carolName)] 님이 입장했습니다.")
        #expect(try bob.nextSystem() == "[\(carolName)] 님이 입장했습니다.")
        carol.socket.close()
        #expect(try alice.nextSystem() == "[\(carolName)] 님이 퇴장했습니다.")
        #expect(try bob.nextSystem() == "[\(carolName)] 님이 퇴장했습니다.")

        try bob.send(.leaveRoom)
        #expect(try alice.nextSystem() == "[bob] 님이 퇴장했습니다.")
        #expect(try bob.nextSystem() == "방제[hello world] 대화 방에서 퇴장했습니다.")
        try bob.send(.leaveRoom)
        #expect(try bob.nextSystem() == "현재 대화방에 들어가 있지 않습니다.")
        try bob.send(.createRoom(title: "second"))
        #expect(try bob.nextSystem() == "방제[second] 방에 입장했습니다.")
        try alice.send(.rooms)
        #expect(try alice.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: [aliceName]),
                                                  ChatRoomInfo(roomID: 2, title: "second", members: ["bob"])]))
        try bob.send(.leaveRoom)
        #expect(try bob.nextSystem() == "방제[second] 대화 방에서 퇴장했습니다.")
        try bob.send(.joinRoom(1))
        #expect(try bob.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[bob] 님이 입장했습니다.")
        // A line goes to the OTHER members only: alice, not bob himself.
        try bob.send(.chat("only for alice"))
        #expect(try alice.next() == .chat(member: "bob", text: "only for alice"))
        #expect(try bob.staysQuiet(milliseconds: 200))

        // Door B stops cleanly: its member leaves the room on door A's side.
        doorB.stop()
        #expect(try alice.nextSystem() == "[bob] 님이 퇴장했습니다.")
        try alice.send(.rooms)
        #expect(try alice.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: [aliceName])]))
    }

    @Test("A door that dies is removed by management after its ping timeout; its members leave the rooms (protobuf)")
    func deadDoorMembersLeave() throws {
        let cluster = try LoopbackChatCluster(settings: Self.fastPings)
        defer { cluster.stop() }
        let doorA = try ChatDoorServer(1, cluster: cluster, format: .protobuf)
        defer { doorA.stop() }
        let doorB = try ChatDoorServer(2, cluster: cluster, format: .protobuf)
        defer { doorB.kill() }

        let alice = try ClusterChatClient(port: doorA.port, format: .protobuf)
        let bob = try ClusterChatClient(port: doorB.port, format: .protobuf)
        let bobName = try bob.defaultName
        try alice.send(.createRoom(title: "로비"))
        #expect(try alice.nextSystem() == "방제[로비] 방에 입장했습니다.")
        try bob.send(.joinRoom(1))
        #expect(try bob.nextSystem() == "방제[로비] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 입장했습니다.")
        try bob.send(.chat("안녕"))
        #expect(try alice.next() == .chat(member: bobName, text: "안녕"))

        doorB.kill()   // no goodbye: the cluster learns it from the missing pings
        let timeout = Double(Self.fastPings.pingTimeout.nanosecondsClamped) / 1e9
        let removal = cluster.removalByPingTimeout(of: NodeName(.chatDoor, 2), within: timeout + 30)
        try #require(removal != nil, "chat-door-2 was not removed:\n\(cluster.events.lines.joined(separator: "\n"))")
        #expect(cluster.events.all.allSatisfy { $0.label != NodeLog.nodeRemoved || $0 == removal },
                "a live node was removed:\n\(cluster.events.lines.joined(separator: "\n"))")
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 퇴장했습니다.")
        try alice.send(.joinRoom(7))
        #expect(try alice.nextSystem() == "대화 방에 있을 때는 다른 방에 들어갈 수 없습니다.")
    }

    @Test("Without a chat node in the cluster a command gets a system message and the connection stays open")
    func noChatNode() throws {
        let cluster = try LoopbackChatCluster(settings: Self.fastPings, chat: false)
        defer { cluster.stop() }
        let door = try ChatDoorServer(1, cluster: cluster, format: .json, waitReady: false)
        defer { door.stop() }
        #expect(!door.backend.waitUntilReady(within: .milliseconds(300)))
        let client = try ClusterChatClient(port: door.port, format: .json)
        try client.send(.rooms)
        #expect(try client.nextSystem() == ChatText.unreachable)
        try client.send(.createRoom(title: "x"))
        #expect(try client.nextSystem() == ChatText.unreachable)
        #expect(door.lines.all.contains { $0.contains("chat-door-refused") && $0.contains("no-chat-node") })
    }

    @Test("A door with its backlog full refuses a command with a system message; the connection stays open")
    func busyDoor() throws {
        let cluster = try LoopbackChatCluster(settings: Self.fastPings)
        defer { cluster.stop() }
        let door = try ChatDoorServer(1, cluster: cluster, format: .json, backlogLimit: 0)
        defer { door.stop() }
        let client = try ClusterChatClient(port: door.port, format: .json)
        try client.send(.rooms)
        #expect(try client.nextSystem() == ChatText.busy)
        try client.send(.createRoom(title: "x"))
        #expect(try client.nextSystem() == ChatText.busy)
        #expect(door.backend.pendingCommands == 0)
    }

    @Test("Lines keep their order through the cluster: 300 lines from door B arrive at door A in order")
    func orderUnderLoad() throws {
        let cluster = try LoopbackChatCluster(settings: Self.fastPings)
        defer { cluster.stop() }
        let doorA = try ChatDoorServer(1, cluster: cluster, format: .json)
        defer { doorA.stop() }
        let doorB = try ChatDoorServer(2, cluster: cluster, format: .json)
        defer { doorB.stop() }
        let alice = try ClusterChatClient(port: doorA.port, format: .json)
        let bob = try ClusterChatClient(port: doorB.port, format: .json)
        try alice.send(.createRoom(title: "order"))
        #expect(try alice.nextSystem() == "방제[order] 방에 입장했습니다.")
        try bob.send(.name("bob"))
        #expect(try bob.nextSystem() == "이름이 bob 으로 변경되었습니다.")
        try bob.send(.joinRoom(1))
        #expect(try bob.nextSystem() == "방제[order] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[bob] 님이 입장했습니다.")
        for i in 0..<300 { try bob.send(.chat("line \(i)")) }
        var received: [ChatServerMessage] = []
        for _ in 0..<300 { received.append(try alice.next()) }
        #expect(received == (0..<300).map { .chat(member: "bob", text: "line \($0)") })
    }

    @Test("The door's effect target stays one call deep however often it is used (a closure read out of a Mutex grew a thunk per read)")
    func outletDoesNotGrow() {
        let outlet = DoorOutlet()
        let count = Mutex(0)
        outlet.target.withLock { $0 = EffectTarget { effects in count.withLock { $0 += effects.count } } }
        let one: [ChatEffect] = [.system(to: "1", text: "x")]
        for _ in 0..<200_000 { outlet.send(one) }
        #expect(count.withLock { $0 } == 200_000)
    }
}
