import NetModel
@testable import Nodes
import Testing

private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

/// Drives a `ChatDoorCore` as its shell would: door 1 of a cluster with session 1 and chat 1.
private struct DoorHarness {
    let session = NodeName(.session, 1)
    let chat = NodeName(.chat, 1)
    var core = makeChatDoorCore(incarnation: 0xABC)
    var link = ChatDoorCore.Link(isServing: false, config: NodeConfig(sessionNode: nil, frontends: []))

    /// The cluster as the manager lists it: the session and chat nodes, with addresses.
    var listed: NodeConfig {
        var config = NodeConfig(sessionNode: .init(name: session, address: "s"), frontends: [])
        config.chatNode = .init(name: chat, address: "c")
        return config
    }

    /// A door whose registration was accepted with session and chat nodes listed.
    static func ready() -> DoorHarness {
        var h = DoorHarness()
        _ = h.core.start(now: at(0))
        h.core.managerSaid(.registerAccepted(epoch: 1, config: h.listed))
        h.link = ChatDoorCore.Link(isServing: true, config: h.listed)
        _ = h.core.becameServing(link: h.link, now: at(0))
        _ = h.core.checkReadiness(link: h.link, now: at(0))
        return h
    }

    mutating func open(_ member: UInt64) -> [ChatDoorCore.Action] {
        core.open(ChatMemberID("\(member)"), name: "peer-\(member)", link: link, now: at(Int64(member)))
    }

    mutating func say(_ message: ChatClientMessage, from member: UInt64) -> [ChatDoorCore.Action] {
        core.handle(message, from: ChatMemberID("\(member)"), link: link, now: at(100))
    }

    /// Push `seq` of `member` from the session node (generation 1, floor 1), saying `text`.
    mutating func push(_ seq: UInt64, to member: UInt64, _ text: String, generation: UInt64 = 1) -> [ChatDoorCore.Action] {
        let frame = PushFrame(user: user(member), seq: seq, pushID: seq, body: .chat(.system(text)), acceptedAt: 0,
                              generation: generation, floor: 1)
        return core.backendCall(.deliver(PushDelivery(frame)), from: session, link: link, now: at(200))
    }

    func user(_ member: UInt64) -> String { "d1/\(core.tag)/\(member)" }

    /// The commands sent on the chat stream, as "user command".
    static func commands(_ actions: [ChatDoorCore.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            switch action {
            case .sendOnChatStream(.chat(let user, let command, nil), _): ["\(user) \(command)"]
            case .sendOnChatStream(.chatCommands(let commands), _): commands.map { "\($0.user) \($0.command)" }
            default: []
            }
        }
    }

    /// The texts handed to the connections, as "member: text".
    static func texts(_ actions: [ChatDoorCore.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            guard case .effects(let effects) = action else { return [] }
            return effects.compactMap { if case .system(let to, let text) = $0 { "\(to.rawValue): \(text)" } else { nil } }
        }
    }
}

@Suite("ChatDoorCore: members, the chat stream, pushes once and in order, acks, re-syncs, readiness")
struct ChatDoorCoreTests {
    @Test("member user names are unique per door and incarnation and fit a String's inline 15 bytes up to connection 999,999")
    func shortUserNames() {
        var seen: Set<String> = []
        for door in [1, 9] {
            for incarnation: UInt64 in [1, 0xABC, 0xFF_FFFF, 0x1234_5678_9ABC] {
                var core = makeChatDoorCore(name: NodeName(.chatDoor, door), incarnation: incarnation)
                for member in ["1", "999999"] {
                    let actions = core.open(ChatMemberID(member), name: "peer", link: .init(isServing: false, config: NodeConfig(sessionNode: nil, frontends: [])), now: at(0))
                    guard case .log(_, let fields)? = actions.first, case .text(let user)? = fields["user"] else {
                        Issue.record("no member log for \(member)"); continue
                    }
                    #expect(user.utf8.count <= 15, "\(user)")
                    #expect(user.hasPrefix("d\(door)/") && user.hasSuffix("/\(member)"), "\(user)")
                    #expect(seen.insert(user).inserted, "\(user) given twice")
                }
            }
        }
    }

    @Test("members that open before the door serves are sent at registration; later ones log in and connect at once")
    func membersAndLogin() {
        var h = DoorHarness()
        #expect(h.core.start(now: at(0)) == [.schedule(.resync, after: .seconds(5))])
        #expect(h.open(1) == [.log(NodeLog.chatDoorMember, ["user": .text(h.user(1)), "event": .text("connect")])])
        h.core.managerSaid(.registerAccepted(epoch: 1, config: h.listed))
        h.link = ChatDoorCore.Link(isServing: true, config: h.listed)
        let serving = h.core.becameServing(link: h.link, now: at(5))
        #expect(serving == [.send(.sessionResync(frontend: h.core.name, entries: [ResyncEntry(user: h.user(1), connection: 1, since: 1_000_000)],
                                                 through: 1), to: h.session)])
        let opened = h.open(2)
        #expect(opened.dropFirst().first == .send(.sessionLogin(user: h.user(2), frontend: h.core.name, connection: 2, since: 2_000_000),
                                                  to: h.session))
        #expect(opened.contains(.openChatStream(ChatDoorCore.ChatStream(number: 1), to: h.chat)))
        // A new stream starts with every member's connect, oldest first; member 2's is among them.
        #expect(DoorHarness.commands(opened) == ["\(h.user(1)) connect(name: \"peer-1\")", "\(h.user(2)) connect(name: \"peer-2\")"])
    }

    @Test("commands go on one stream; rename, leave, and a close disconnects and logs out")
    func commandsAndClose() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        let rename = h.say(.name("bee"), from: 1)
        #expect(rename == [.sendOnChatStream(.chat(user: h.user(1), command: .name("bee"), request: nil), ChatDoorCore.ChatStream(number: 1))])
        #expect(DoorHarness.commands(h.say(.joinRoom(3), from: 1)) == ["\(h.user(1)) join(roomID: 3)"])
        #expect(DoorHarness.commands(h.say(.leaveRoom, from: 1)) == ["\(h.user(1)) leave"])
        let closed = h.core.close(ChatMemberID("1"), link: h.link, now: at(300))
        let expected: [ChatDoorCore.Action] = [
            .sendOnChatStream(.chat(user: h.user(1), command: .disconnect, request: nil), ChatDoorCore.ChatStream(number: 1)),
            .send(.sessionLogout(user: h.user(1), frontend: h.core.name, connection: 1), to: h.session),
        ]
        #expect(Array(closed.dropFirst()) == expected)
        #expect(h.core.members.isEmpty && h.core.users.isEmpty)
        #expect(h.say(.rooms, from: 1).isEmpty)   // gone: nothing is sent for it
    }

    @Test("a command the cluster cannot take is refused at once with the reason logged")
    func refusedWhenNotReady() {
        var h = DoorHarness()
        _ = h.open(1)
        let refused = h.say(.rooms, from: 1)
        #expect(refused == [.log(NodeLog.chatDoorRefused, ["user": .text(h.user(1)), "reason": .text("not-registered")]),
                            .effects([.system(to: ChatMemberID("1"), text: ChatText.unreachable)])])
        // Registered, but the chat node was only announced by a notice, never listed with an address.
        var config = h.listed
        config.chatNode = nil
        h.core.managerSaid(.registerAccepted(epoch: 1, config: config))
        h.link = ChatDoorCore.Link(isServing: true, config: h.listed)
        #expect(!h.core.isReady(h.link))
        #expect(h.say(.rooms, from: 1).first == .log(NodeLog.chatDoorRefused, ["user": .text(h.user(1)), "reason": .text("no-chat-node")]))
    }

    @Test("each push reaches its member once and in order: duplicates dropped, a reordered one held until the gap fills")
    func pushesOnceInOrder() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        _ = h.open(2)
        let ahead = h.push(2, to: 1, "second")
        #expect(DoorHarness.texts(ahead).isEmpty)   // held: 1 is missing
        #expect(ahead == [.schedule(.flushAcks, after: .milliseconds(10))])
        let first = h.push(1, to: 1, "first")
        #expect(DoorHarness.texts(first) == ["1: first", "1: second"])
        #expect(DoorHarness.texts(h.push(1, to: 1, "first")).isEmpty)   // duplicate
        #expect(DoorHarness.texts(h.push(2, to: 1, "second")).isEmpty)  // duplicate
        #expect(DoorHarness.texts(h.push(1, to: 2, "hello")) == ["2: hello"])
        // One ack per member, the latest, in one call when the timer fires; the timer was scheduled once.
        let acks = h.core.fire(.flushAcks, link: h.link, now: at(210))
        #expect(acks == [.send(.acks([PushAck(user: h.user(1), upTo: 2, generation: 1),
                                      PushAck(user: h.user(2), upTo: 1, generation: 1)]), to: h.session)])
        #expect(h.push(3, to: 1, "third").first == .schedule(.flushAcks, after: .milliseconds(10)))
        // A restarted session node numbers from 1 again under a new generation.
        #expect(DoorHarness.texts(h.push(1, to: 1, "anew", generation: 2)) == ["1: anew"])
    }

    @Test("one delivery for several members: each member's number is checked on its own, the effects go out as one list, one ack each")
    func deliveryForSeveralMembers() {
        var h = DoorHarness.ready()
        for member in UInt64(1)...3 { _ = h.open(member) }
        _ = h.push(1, to: 2, "earlier")   // member 2 already has its push 1
        let delivery = PushDelivery(pushID: 9, body: .chat(.system("line")), acceptedAt: 0, generation: 1, recipients: [
            PushRecipient(user: h.user(1), seq: 2, floor: 1),   // ahead of a gap: held
            PushRecipient(user: "someone-gone", seq: 4, floor: 1),
            PushRecipient(user: h.user(2), seq: 2, floor: 1),
            PushRecipient(user: h.user(3), seq: 1, floor: 1),
        ])
        let actions = h.core.backendCall(.deliver(delivery), from: h.session, link: h.link, now: at(300))
        #expect(actions.filter { if case .effects = $0 { true } else { false } }.count == 1)
        #expect(DoorHarness.texts(actions) == ["2: line", "3: line"])
        let acks = h.core.fire(.flushAcks, link: h.link, now: at(310))
        #expect(acks == [.send(.acks([PushAck(user: h.user(1), upTo: 0, generation: 1),
                                      PushAck(user: h.user(2), upTo: 2, generation: 1),
                                      PushAck(user: h.user(3), upTo: 1, generation: 1)]), to: h.session)])
    }

    @Test("acks go in one call per session node: a member's pushes from a restarted session node are acknowledged there")
    func acksPerSessionNode() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        _ = h.open(2)
        let restarted = NodeName(.session, 2)
        _ = h.push(1, to: 1, "old")
        let frame = PushFrame(user: h.user(2), seq: 1, pushID: 5, body: .chat(.system("new")), acceptedAt: 0, generation: 2, floor: 1)
        _ = h.core.backendCall(.deliver(PushDelivery(frame)), from: restarted, link: h.link, now: at(200))
        let acks = h.core.fire(.flushAcks, link: h.link, now: at(210))
        #expect(acks == [.send(.acks([PushAck(user: h.user(1), upTo: 1, generation: 1)]), to: h.session),
                         .send(.acks([PushAck(user: h.user(2), upTo: 1, generation: 2)]), to: restarted)])
    }

    @Test("calls taken together: consecutive commands go in one chatCommands message, in order; anything between starts another")
    func takenTogether() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        _ = h.open(2)
        _ = h.say(.name("one"), from: 1)   // the stream is open
        let actions = h.core.take([.message(.chat("a"), from: ChatMemberID("1")), .message(.rooms, from: ChatMemberID("2")),
                                   .close(ChatMemberID("1")), .message(.chat("c"), from: ChatMemberID("2"))],
                                  link: h.link, now: at(300))
        let sends = actions.filter { if case .sendOnChatStream = $0 { true } else { false } }
        #expect(sends.count == 3, "a, rooms | the close's disconnect | c")
        if case .sendOnChatStream(.chatCommands(let first), _)? = sends.first { #expect(first.count == 2) } else { Issue.record("\(sends)") }
        #expect(DoorHarness.commands(actions).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
                == ["\(h.user(1)) say(text:", "\(h.user(2)) rooms", "\(h.user(1)) disconnect", "\(h.user(2)) say(text:"])
        // A long burst is split at maxCommandsPerMessage.
        let burst = h.core.take(Array(repeating: .message(.rooms, from: ChatMemberID("2")), count: ChatDoorCore.maxCommandsPerMessage + 5),
                                link: h.link, now: at(400))
        let sizes = burst.compactMap { if case .sendOnChatStream(.chatCommands(let c), _) = $0 { c.count } else { nil } }
        #expect(sizes == [ChatDoorCore.maxCommandsPerMessage, 5])
    }

    @Test("long lines in one burst: each chatCommands message stays within the byte limit (256 lines of 16 KiB would not fit a frame)")
    func burstOfLongLines() throws {
        var h = DoorHarness.ready()
        _ = h.open(1)
        let long = String(repeating: "x", count: 16_000)
        let burst = h.core.take(Array(repeating: .message(.chat(long), from: ChatMemberID("1")), count: 200), link: h.link, now: at(400))
        var lines = 0
        for case .sendOnChatStream(let call, _) in burst {
            let bytes = try MessagePackEncoder().encode(ClusterMessage.backend(group: "g", call))
            #expect(bytes.count < 1 << 20, "within a TCP frame's 1 MiB")
            if case .chatCommands(let commands) = call { lines += commands.count } else { lines += 1 }
        }
        #expect(lines == 200)
    }

    @Test("a session node's batch of deliveries: each member's numbers checked as alone, the effects as one list, one ack each; a nested batch is not taken")
    func batchOfDeliveries() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        _ = h.open(2)
        let delivery = { (seq: UInt64, members: [UInt64], text: String) in
            BackendCall.deliver(PushDelivery(pushID: seq, body: .chat(.system(text)), acceptedAt: 0, generation: 1,
                                             recipients: members.map { PushRecipient(user: h.user($0), seq: seq, floor: 1) }))
        }
        let batch = BackendCall.batch([delivery(2, [1], "second"), delivery(1, [1, 2], "first"), delivery(1, [1], "first"),
                                       delivery(2, [2], "two")])
        let actions = h.core.backendCall(batch, from: h.session, link: h.link, now: at(200))
        let lists = actions.filter { if case .effects = $0 { true } else { false } }
        #expect(lists.count == 1)
        #expect(DoorHarness.texts(actions) == ["1: first", "1: second", "2: first", "2: two"],
                "1's push 2 held until its push 1; the copy dropped")
        let acks = h.core.fire(.flushAcks, link: h.link, now: at(210))
        #expect(acks == [.send(.acks([PushAck(user: h.user(1), upTo: 2, generation: 1), PushAck(user: h.user(2), upTo: 2, generation: 1)]),
                               to: h.session)])
        let nested = BackendCall.batch([delivery(3, [1], "third")])
        #expect(h.core.backendCall(.batch([nested]), from: h.session, link: h.link, now: at(300)) == [.unexpected(nested, from: h.session)])
    }

    @Test("a chat node that restarted: its stream closes, and the next command connects every member again first")
    func chatNodeRestart() {
        var h = DoorHarness.ready()
        _ = h.open(1)
        _ = h.open(2)
        let restarted = h.core.membershipChanged(.rejoined(h.chat, epoch: 2, previousEpoch: 1), link: h.link, now: at(400))
        #expect(restarted == [.closeChatStream(ChatDoorCore.ChatStream(number: 1))])
        let next = h.say(.chat("still here?"), from: 2)
        #expect(next.first == .openChatStream(ChatDoorCore.ChatStream(number: 2), to: h.chat))
        #expect(DoorHarness.commands(next).prefix(2) == ["\(h.user(1)) connect(name: \"peer-1\")", "\(h.user(2)) connect(name: \"peer-2\")"])
        #expect(DoorHarness.commands(next).count == 3)
        // The stream breaking (not a notice) does the same.
        h.core.chatStreamClosed(ChatDoorCore.ChatStream(number: 2))
        #expect(h.say(.rooms, from: 1).first == .openChatStream(ChatDoorCore.ChatStream(number: 3), to: h.chat))
    }

    @Test("timers: the re-sync every 5 s while serving; readiness told once per change, a re-sync when it comes")
    func timersAndReadiness() {
        var h = DoorHarness()
        _ = h.open(1)
        #expect(h.core.fire(.resync, link: h.link, now: at(5000)) == [.schedule(.resync, after: .seconds(5))])
        #expect(h.core.checkReadiness(link: h.link, now: at(5000)).isEmpty)
        h.core.managerSaid(.registerAccepted(epoch: 1, config: h.listed))
        h.link = ChatDoorCore.Link(isServing: true, config: h.listed)
        let resync = ChatDoorCore.Action.send(.sessionResync(frontend: h.core.name,
                                                             entries: [ResyncEntry(user: h.user(1), connection: 1, since: 1_000_000)],
                                                             through: 1), to: h.session)
        #expect(h.core.checkReadiness(link: h.link, now: at(5001)) == [resync, .readinessChanged(true)])
        #expect(h.core.checkReadiness(link: h.link, now: at(5002)).isEmpty)
        #expect(h.core.fire(.resync, link: h.link, now: at(10000)) == [resync, .schedule(.resync, after: .seconds(5))])
        let fenced = h.core.stopServing(link: h.link, now: at(10001))
        #expect(fenced.last == .effects([.system(to: ChatMemberID("1"), text: ChatText.fenced)]))
        h.link.isServing = false
        #expect(h.core.checkReadiness(link: h.link, now: at(10002)) == [.readinessChanged(false)])
    }
}
