import Glibc
import NetModel
import Testing
@testable import Nodes

/// The chat server's limits against hostile clients, over real loopback sockets: a flood into a
/// room with a member that never reads, a client that never reads its own answers, slowloris
/// connections, a `/rooms` answer over one frame, `/shutdown` refused, oversized names.
@Suite("Chat server limits: flood, input budget, slowloris, long /rooms, /shutdown policy, sizes")
struct ChatServerLimitsTests {
    @Test("a flood into a room with a member that never reads: the member is cut at the limit, memory stays bounded, another room carries on")
    func floodWithNonReader() throws {
        let log = ChatLogLines()
        let limit = 256 * 1024
        try withChatServer(format: .json, log: log, configure: { $0.maxPendingOutput = limit }) { server in
            let sender = try ChatTestClient(port: server.port, format: .json)
            let sleeper = try ChatTestClient(port: server.port, format: .json)
            let ping = try ChatTestClient(port: server.port, format: .json)
            let pong = try ChatTestClient(port: server.port, format: .json)
            try sender.send(.createRoom(title: "flood"))
            _ = try sender.nextSystem()
            try sleeper.send(.joinRoom(1))
            _ = try sleeper.nextSystem()
            try ping.send(.createRoom(title: "quiet"))
            _ = try ping.nextSystem()
            try pong.send(.joinRoom(2))
            _ = try pong.nextSystem()
            _ = try ping.nextSystem()  // pong's entry notice
            // Shrink the sleeper's receive buffer so the server's side fills soon.
            sleeper.socket.setBufferSizes(receive: 4096)
            let line = String(repeating: "f", count: 8_000)
            var round = 0
            // Bursts of 100 lines (800 KB) between round trips in the other room, until the
            // sleeper is cut (at most 40 bursts: 32 MB, far more than the kernel buffers hold).
            while server.stats.slowConsumers == 0, round < 40 {
                for _ in 0..<100 { try sender.send(.chat(line)) }
                try ping.send(.chat("ping \(round)"))
                #expect(try pong.next() == .chat(member: try ping.defaultName, text: "ping \(round)"))
                round += 1
            }
            #expect(server.stats.slowConsumers == 1, "the sleeper was not cut after \(round) bursts")
            #expect(sleeper.untilClosed(timeoutMilliseconds: 3000) != nil)
            // Bounded: never more than the limit plus one line's frame waited for one connection.
            #expect(server.stats.peakQueuedBytes <= limit + 8_100, "peak \(server.stats.peakQueuedBytes)")
            try ping.send(.chat("after"))
            #expect(try pong.next() == .chat(member: try ping.defaultName, text: "after"))
        }
        #expect(log.all.contains { $0.contains("slow consumer") }, "\(log.all)")
    }

    @Test("a client that does not read its own answers is not read until they drain, then gets every answer")
    func inputBudget() throws {
        try withChatServer(format: .json, configure: { $0.maxPendingOutput = 64 * 1024 }) { server in
            var holders: [ChatTestClient] = []
            for i in 0..<60 {  // sixty rooms with long titles: each /rooms answer is about 13 KB
                let holder = try ChatTestClient(port: server.port, format: .json)
                try holder.send(.createRoom(title: String(repeating: "t", count: 170) + "\(i)"))
                _ = try holder.nextSystem()
                holders.append(holder)
            }
            let greedy = try ChatTestClient(port: server.port, format: .json)
            greedy.socket.setBufferSizes(receive: 64 * 1024)
            let requests = 2_000
            var frames: [UInt8] = []
            for _ in 0..<requests { frames += try ChatWire.encode(.rooms, format: .json) }
            try greedy.sendRaw(frames)
            // The server stops reading it (about 26 MB of answers would otherwise pile up, far
            // more than the kernel's socket buffers hold)...
            let paused = server.waitForBudgetPause(timeout: .seconds(3))
            #expect(paused, "the server never paused reading the client")
            // Half the limit, plus the one answer that crossed it: never over the limit.
            #expect(server.stats.peakQueuedBytes <= 64 * 1024, "peak \(server.stats.peakQueuedBytes)")
            // ...and carries on once it reads: every answer arrives, none is lost.
            for i in 0..<requests {
                guard case .roomsResult(let rooms) = try greedy.next() else {
                    Issue.record("answer \(i) is not a room list")
                    return
                }
                #expect(rooms.count == 60)
            }
            #expect(server.stats.slowConsumers == 0)
        }
    }

    @Test("slowloris: connections that leave a frame unfinished or send nothing are closed; new clients are served")
    func slowloris() throws {
        let log = ChatLogLines()
        try withChatServer(format: .json, log: log, configure: {
            $0.partialFrameTimeoutMilliseconds = 300
            $0.idleTimeoutMilliseconds = 1_500
        }) { server in
            let live = try ChatTestClient(port: server.port, format: .json)
            try live.send(.rooms)  // one whole frame, then silence
            #expect(try live.next() == .roomsResult([]))
            var lorises: [ChatTestClient] = []
            for i in 0..<40 {
                let loris = try ChatTestClient(port: server.port, format: .json)
                try loris.sendRaw(i % 2 == 0 ? [0] : [0, 30, UInt8(ascii: "{")])  // a frame begun, never ended
                lorises.append(loris)
            }
            let silent = try ChatTestClient(port: server.port, format: .json)
            for loris in lorises {
                #expect(loris.untilClosed(timeoutMilliseconds: 3000) != nil, "a slowloris connection stayed open")
            }
            #expect(silent.untilClosed(timeoutMilliseconds: 4000) != nil, "an idle connection stayed open")
            #expect(live.untilClosed(timeoutMilliseconds: 2000) != nil, "an idle connection stayed open")
            #expect(server.stats.timeouts == 42)
            let fresh = try ChatTestClient(port: server.port, format: .json)
            try fresh.send(.rooms)
            #expect(try fresh.next() == .roomsResult([]))
        }
        #expect(log.all.contains { $0.contains("partial-frame timeout") }, "\(log.all.prefix(3))")
        #expect(log.all.contains { $0.contains("idle timeout") })
    }

    @Test("/rooms over one 64 KB frame arrives split across frames, every room once, in order")
    func longRoomList() throws {
        try withChatServer(format: .json) { server in
            var holders: [ChatTestClient] = []
            for i in 0..<300 {
                let holder = try ChatTestClient(port: server.port, format: .json)
                try holder.send(.createRoom(title: String(repeating: "방", count: 80) + "\(i)"))  // 240+ bytes
                _ = try holder.nextSystem()
                holders.append(holder)
            }
            let asker = try ChatTestClient(port: server.port, format: .json)
            try asker.send(.rooms)
            var listed: [ChatRoomInfo] = []
            var frames = 0
            while listed.count < 300 {
                guard case .roomsResult(let rooms) = try asker.next() else {
                    Issue.record("not a room list")
                    return
                }
                listed += rooms
                frames += 1
            }
            #expect(frames >= 2)
            #expect(listed.map(\.roomID) == Array(1...300))
            #expect(listed.allSatisfy { $0.members.count == 1 })
        }
    }

    @Test("/shutdown is refused with a system message when the server refuses it; the server carries on",
          arguments: [ChatShutdownPolicy.never])
    func shutdownRefused(policy: ChatShutdownPolicy) throws {
        let log = ChatLogLines()
        try withChatServer(format: .json, log: log, configure: { $0.shutdownPolicy = policy }) { server in
            let client = try ChatTestClient(port: server.port, format: .json)
            try client.send(.shutdown)
            #expect(try client.nextSystem() == policy.refusal)
            #expect(!server.isStopping)
            try client.send(.rooms)
            #expect(try client.next() == .roomsResult([]))
        }
        #expect(log.all.contains { $0.contains("/shutdown from") && $0.contains("refused") })
    }

    @Test("a name, title or line over its byte limit is refused with a system message; the connection stays")
    func sizesBounded() throws {
        try withChatServer(format: .json, configure: { $0.limits = ChatInputLimits(maxNameBytes: 8, maxTitleBytes: 8, maxLineBytes: 8) }) { server in
            let client = try ChatTestClient(port: server.port, format: .json)
            let other = try ChatTestClient(port: server.port, format: .json)
            try client.send(.name("이름이너무김"))  // 18 bytes
            #expect(try client.nextSystem().contains("name refused: 18 bytes, at most 8"))
            try client.send(.createRoom(title: "123456789"))
            #expect(try client.nextSystem().contains("title refused: 9 bytes, at most 8"))
            try client.send(.createRoom(title: "ok"))
            #expect(try client.nextSystem() == "방제[ok] 방에 입장했습니다.")
            try other.send(.joinRoom(1))
            _ = try other.nextSystem()
            _ = try client.nextSystem()
            try client.send(.chat("123456789"))
            #expect(try client.nextSystem().contains("line refused: 9 bytes, at most 8"))
            try client.send(.chat("12345678"))
            #expect(try other.next() == .chat(member: try client.defaultName, text: "12345678"))
        }
    }
}

/// Output handed to the server from outside a client's request.
@Suite("Chat server: deliveries from another thread")
struct ChatServerExternalDeliveryTests {
    @Test("ChatServer.deliver reaches a member with one loop and the local backend (the fast path) too", arguments: [1, 2])
    func externalDelivery(workers: Int) throws {
        try withChatServer(format: .json, workers: workers) { server in
            let client = try ChatTestClient(port: server.port, format: .json)
            try client.send(.rooms)  // the connection is adopted and answered: member "0"
            #expect(try client.next() == .roomsResult([]))
            server.deliver([.system(to: "0", text: "from outside")])
            #expect(try client.nextSystem() == "from outside")
            try client.send(.rooms)
            #expect(try client.next() == .roomsResult([]))
        }
    }
}

/// The limits' value functions, without sockets.
@Suite("Chat server limit policies: /shutdown by peer, sizes, /rooms paging, the chat-line fan-out index")
struct ChatServerPolicyTests {
    @Test("/shutdown: loopback peers only by default, anyone or nobody by choice")
    func shutdownPolicy() {
        let loopback = SocketAddress(host: "127.0.0.1", port: 4000)
        let otherLoopback = SocketAddress(host: "127.3.2.1", port: 4000)
        let remote = SocketAddress(host: "10.0.0.5", port: 4000)
        let tricky = SocketAddress(host: "128.0.0.1", port: 4000)
        #expect(ChatShutdownPolicy.loopbackOnly.allows(peer: loopback))
        #expect(ChatShutdownPolicy.loopbackOnly.allows(peer: otherLoopback))
        #expect(!ChatShutdownPolicy.loopbackOnly.allows(peer: remote))
        #expect(!ChatShutdownPolicy.loopbackOnly.allows(peer: tricky))
        #expect(!ChatShutdownPolicy.loopbackOnly.allows(peer: nil))
        #expect(ChatShutdownPolicy.anyone.allows(peer: remote))
        #expect(!ChatShutdownPolicy.never.allows(peer: loopback))
        #expect(ChatServerConfiguration().shutdownPolicy == .loopbackOnly)
    }

    @Test("sizes are counted in UTF-8 bytes, at the bound allowed, past it refused")
    func sizes() {
        let limits = ChatInputLimits(maxNameBytes: 6, maxTitleBytes: 3, maxLineBytes: 4)
        #expect(limits.refusal(for: .name("가나")) == nil)  // 6 bytes
        #expect(limits.refusal(for: .name("가나다")) != nil)  // 9 bytes
        #expect(limits.refusal(for: .createRoom(title: "abc")) == nil)
        #expect(limits.refusal(for: .createRoom(title: "abcd")) != nil)
        #expect(limits.refusal(for: .chat("abcd")) == nil)
        #expect(limits.refusal(for: .chat("abcde")) != nil)
        #expect(limits.refusal(for: .rooms) == nil)
    }

    @Test("a room list over one frame is split into frames that each fit and together list every room", arguments: ChatWireFormat.allCases)
    func paging(format: ChatWireFormat) {
        let rooms = (1...2_000).map { ChatRoomInfo(roomID: $0, title: "room \($0) " + String(repeating: "x", count: 50), members: ["a\($0)", "b\($0)"]) }
        let messages = ChatRoomsPaging.messages(for: rooms, format: format)
        #expect(messages.count > 1)
        let listed = messages.flatMap { message -> [ChatRoomInfo] in
            if case .roomsResult(let page) = message { return page }
            return []
        }
        #expect(listed == rooms)
        let small = Array(rooms.prefix(3))
        #expect(ChatRoomsPaging.messages(for: small, format: format) == [.roomsResult(small)])
    }

    @Test("one room too large for a frame is listed with the members that fit, then a notice", arguments: ChatWireFormat.allCases)
    func pagingTruncates(format: ChatWireFormat) throws {
        let members = (0..<3_000).map { "member-\($0)-" + String(repeating: "n", count: 40) }
        let room = ChatRoomInfo(roomID: 7, title: "big", members: members)
        let messages = ChatRoomsPaging.messages(for: [room], format: format)
        #expect(messages.count == 2)
        guard case .roomsResult(let page)? = messages.first, case .system(let notice)? = messages.last else {
            Issue.record("expected a room list and a notice, got \(messages)")
            return
        }
        let kept = try #require(page.first).members
        #expect(kept.count > 100 && kept.count < 3_000)
        #expect(kept == Array(members.prefix(kept.count)))
        #expect(notice.contains("\(kept.count) of 3000 shown"))
    }

    @Test("the fan-out index gives exactly ChatRooms.chat's recipients and name after every kind of operation")
    func fanoutIndexAgrees() {
        var rooms = ChatRooms()
        var index = ChatFanoutIndex()
        let members = (0..<6).map { ChatMemberID("\($0)") }
        for (route, member) in members.enumerated() {
            rooms.connect(member, name: "default-\(route)")
            index.connect(member, route: route, rooms: rooms)
        }
        var random = SeededRandom(seed: 42)
        for step in 0..<600 {
            let route = Int(random.next() % 6)
            let member = members[route]
            let operation: ChatClientMessage = switch random.next() % 6 {
            case 0: .name(step % 5 == 0 ? "" : "n\(step)")
            case 1: .createRoom(title: "t\(step)")
            case 2: .joinRoom(Int32(random.next() % UInt64(max(rooms.nextRoomID, 2))))
            case 3: .leaveRoom
            default: .rooms
            }
            _ = rooms.handle(operation, from: member)
            index.refresh(member, rooms: rooms)
            if step % 97 == 0 {  // a disconnect and a reconnect on the same route
                _ = rooms.disconnect(member)
                index.refresh(member, rooms: rooms)
                rooms.connect(member, name: "again-\(step)")
                index.connect(member, route: route, rooms: rooms)
            }
            for (r, m) in members.enumerated() {
                let expected = rooms.chat(m, text: "x")
                if let (name, routes) = index.fanout(from: r) {
                    let got: [ChatEffect] = routes.filter { $0 != r }.map { .chat(to: members[$0], from: name, text: "x") }
                    #expect(got == expected, "step \(step), member \(r)")
                } else {
                    #expect(rooms.room(of: m) == nil, "step \(step): the index lost member \(r)'s room")
                }
            }
        }
    }
}
