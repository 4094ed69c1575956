import NetModel
import Testing
@testable import Nodes

@Suite("Chat server: 2,000 concurrent connections")
struct ChatServerScaleTests {
    @Test("2,000 clients in 200 rooms stay connected and served", arguments: [1, 2])
    func twoThousand(workers: Int) throws {
        let clients = 2000, roomSize = 10
        // Both ends of every connection live in this process.
        let limit = OpenFileLimit.raise(toAtLeast: 2 * clients + 256)
        try #require(limit >= 2 * clients + 64, "the open-file limit \(limit) is too low for this test")
        try withChatServer(format: .json, workers: workers) { server in
            var all: [ChatTestClient] = []
            for _ in 0..<clients { all.append(try ChatTestClient(port: server.port, format: .json)) }
            // Every client names itself; each answer proves the connection is served.
            for (i, client) in all.enumerated() { try client.send(.name("c\(i)")) }
            for (i, client) in all.enumerated() { #expect(try client.nextSystem() == "이름이 c\(i) 으로 변경되었습니다.") }
            // Rooms of ten: the first creates, the others join (room numbers follow creation order).
            for room in 0..<(clients / roomSize) {
                let first = all[room * roomSize]
                try first.send(.createRoom(title: "room-\(room)"))
                #expect(try first.nextSystem() == "방제[room-\(room)] 방에 입장했습니다.")
            }
            for (i, client) in all.enumerated() where i % roomSize != 0 {
                try client.send(.joinRoom(Int32(i / roomSize + 1)))
            }
            // The joins race each other (separate connections), so the room's join order is
            // whatever the server saw; the creator's notices tell it, and every member, on any
            // loop, is told of exactly the members who joined after it.
            var joinOrder = Array(repeating: [Int](), count: clients / roomSize)
            var noticed = Array(repeating: Set<String>(), count: clients)
            for (i, client) in all.enumerated() where i % roomSize != 0 {
                var entered = false
                while !entered {
                    let text = try client.nextSystem()
                    if text == "방제[room-\(i / roomSize)] 방에 입장했습니다." { entered = true } else { noticed[i].insert(text) }
                }
            }
            for (i, client) in all.enumerated() {
                if i % roomSize == 0 {
                    for _ in 1..<roomSize {
                        let text = try client.nextSystem()
                        let name = text.dropFirst(2).prefix { $0 != "]" }
                        joinOrder[i / roomSize].append(Int(name) ?? -1)
                    }
                }
            }
            for (i, client) in all.enumerated() where i % roomSize != 0 {
                let order = joinOrder[i / roomSize]
                let position = try #require(order.firstIndex(of: i), "c\(i) missing from its room's joins \(order)")
                let expected = Set(order[(position + 1)...].map { "[c\($0)] 님이 입장했습니다." })
                while noticed[i].count < expected.count { noticed[i].insert(try client.nextSystem()) }
                #expect(noticed[i] == expected, "c\(i)")
            }
            // One line per room reaches the nine others, while all 2,000 stay connected.
            for room in 0..<(clients / roomSize) { try all[room * roomSize].send(.chat("hello \(room)")) }
            for (i, client) in all.enumerated() where i % roomSize != 0 {
                #expect(try client.next() == .chat(member: "c\(i / roomSize * roomSize)", text: "hello \(i / roomSize)"))
            }
            try all[clients - 1].send(.rooms)
            guard case .roomsResult(let rooms) = try all[clients - 1].next() else {
                Issue.record("no room list")
                return
            }
            #expect(rooms.count == clients / roomSize)
            #expect(rooms.allSatisfy { $0.members.count == roomSize })
        }
    }
}
