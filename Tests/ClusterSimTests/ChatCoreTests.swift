import NetModel
@testable import Nodes
import Testing

private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

/// Drives a `ChatCore` as its shell would: a registered chat node with a session node, members
/// connected through a chat door.
private struct ChatHarness {
    let session = NodeName(.session, 1)
    let door = NodeName(.chatDoor, 1)
    var core = makeChatCore()
    var now: Int64 = 0

    /// A core that started and registered with the session node known (the `restarted`
    /// broadcast is confirmed, so the outbox is empty).
    static func serving() -> ChatHarness {
        var h = ChatHarness()
        _ = h.core.start(now: at(0))
        let actions = h.core.becameServing(session: h.session, now: at(0))
        for case .broadcast(_, _, _, let key) in sessionCalls(actions) { h.confirm(key) }
        return h
    }

    /// `command` of `user`, as a chat door sends it (no request key).
    mutating func door(_ user: String, _ command: ChatCommand) -> [ChatCore.Action] {
        core.call(.chat(user: user, command: command, request: nil), from: door, serving: true, mayServeAgain: true,
                  session: session, now: at(now))
    }

    /// `command` of `user` from a frontend, under request key `id`.
    mutating func frontend(_ user: String, _ command: ChatCommand, id: UInt64) -> [ChatCore.Action] {
        let key = RequestKey(origin: NodeName(.client, 1), id: id)
        return core.call(.chat(user: user, command: command, request: key), from: NodeName(.frontend, 1), serving: true,
                         mayServeAgain: true, session: session, now: at(now))
    }

    /// The session node confirms `key`.
    mutating func confirm(_ key: RequestKey) {
        _ = core.call(.executed(request: key, result: .ok), from: session, serving: true, mayServeAgain: true,
                      session: session, now: at(now))
    }

    /// Confirms every push in `actions`.
    mutating func confirmAll(_ actions: [ChatCore.Action]) {
        for key in ChatHarness.pushes(actions).map(\.key) { confirm(key) }
    }

    /// The calls sent on the session stream, in order, a batch's one by one.
    static func sessionCalls(_ actions: [ChatCore.Action]) -> [BackendCall] {
        actions.flatMap { action -> [BackendCall] in
            guard case .sendOnSessionStream(.backend(_, let call), _) = action else { return [] }
            if case .batch(let calls) = call { return calls }
            return [call]
        }
    }

    /// The pushes sent on the session stream: recipients, body, request key.
    static func pushes(_ actions: [ChatCore.Action]) -> [(users: [String], body: ChatPush, key: RequestKey)] {
        sessionCalls(actions).compactMap { call in
            guard case .pushTo(let users, _, .chat(let body), _, let key) = call else { return nil }
            return (users, body, key)
        }
    }

    /// The system texts pushed, as "user: text" lines in order.
    static func systemLines(_ actions: [ChatCore.Action]) -> [String] {
        pushes(actions).flatMap { push -> [String] in
            guard case .system(let text) = push.body else { return [] }
            return push.users.map { "\($0): \(text)" }
        }
    }

    /// The answers sent for frontend commands.
    static func answers(_ actions: [ChatCore.Action]) -> [ClientResult] {
        actions.compactMap { if case .send(.backend(_, .executed(_, let result)), _) = $0 { result } else { nil } }
    }
}

@Suite("ChatCore: rooms by push through the session node, exactly-once commands, the outbox, restarts")
struct ChatCoreTests {
    @Test("a door's commands in one chatCommands call do exactly what the same commands one call each do, in order")
    func doorCommandsInOneCall() {
        let commands: [DoorCommand] = [
            DoorCommand(user: "a", command: .create(title: "lobby")), DoorCommand(user: "b", command: .join(roomID: 1)),
            DoorCommand(user: "a", command: .say(text: "hi", messageID: 7)), DoorCommand(user: "b", command: .leave),
        ]
        var one = ChatHarness.serving()
        var each = ChatHarness.serving()
        for user in ["a", "b"] {
            _ = one.door(user, .connect(name: user))
            _ = each.door(user, .connect(name: user))
        }
        let batched = one.core.call(.chatCommands(commands), from: NodeName(.chatDoor, 1), serving: true, mayServeAgain: true,
                                    session: one.session, now: at(0))
        let separate = commands.flatMap { each.door($0.user, $0.command) }
        let summary: ([ChatCore.Action]) -> [String] = { actions in
            ChatHarness.pushes(actions).map { "\($0.users) \($0.body) \($0.key)" }
        }
        #expect(summary(batched).count == 6)
        #expect(summary(batched) == summary(separate))
    }

    @Test("the pushes of all the commands of one event go as one batch on the session stream, in order; a batch of answers confirms each")
    func pushesOfOneEventBatched() {
        var h = ChatHarness.serving()
        for user in ["a", "b", "c"] { _ = h.door(user, .connect(name: user)) }
        _ = h.door("a", .create(title: "lobby"))
        h.confirmAll(h.door("b", .join(roomID: 1)))
        h.confirmAll(h.door("c", .join(roomID: 1)))
        let lines = (1...UInt64(5)).map { DoorCommand(user: "a", command: .say(text: "line \($0)", messageID: $0)) }
        let actions = h.core.call(.chatCommands(lines), from: h.door, serving: true, mayServeAgain: true, session: h.session, now: at(0))
        let sends = actions.filter { if case .sendOnSessionStream = $0 { true } else { false } }
        #expect(sends.count == 1, "one message for the event's five pushes")
        let pushes = ChatHarness.pushes(actions)
        #expect(pushes.map(\.body) == (1...UInt64(5)).map { .line(member: "a", text: "line \($0)", messageID: $0) })
        #expect(pushes.allSatisfy { $0.users == ["b", "c"] })
        #expect(h.core.outbox.count == pushes.count + 1)   // the create's notice to a was not confirmed
        let answers = BackendCall.batch(pushes.map { .executed(request: $0.key, result: .accepted(pushID: 0)) })
        _ = h.core.call(answers, from: h.session, serving: true, mayServeAgain: true, session: h.session, now: at(1))
        #expect(h.core.outbox.count == 1)
    }

    @Test("join, rename, leave: each notice goes to the room's members as one push per distinct text")
    func joinRenameLeave() {
        var h = ChatHarness.serving()
        for user in ["a", "b", "c"] { #expect(h.door(user, .connect(name: user)).isEmpty) }
        _ = h.door("a", .create(title: "lobby"))
        let join = h.door("b", .join(roomID: 1))
        #expect(ChatHarness.systemLines(join) == ["b: \(ChatText.entered(room: "lobby"))", "a: \(ChatText.memberJoined("b"))"])
        _ = h.door("c", .join(roomID: 1))
        let rename = h.door("b", .name("bee"))
        // One text for the whole room: one push to every member, in join order.
        #expect(ChatHarness.pushes(rename).map(\.users) == [["a", "b", "c"]])
        #expect(ChatHarness.systemLines(rename).first == "a: \(ChatText.renamed("b", to: "bee"))")
        let leave = h.door("b", .leave)
        #expect(ChatHarness.systemLines(leave) == ["a: \(ChatText.memberLeft("bee"))", "c: \(ChatText.memberLeft("bee"))",
                                                   "b: \(ChatText.left(room: "lobby"))"])
        #expect(h.core.rooms.roomList == [ChatRoomInfo(roomID: 1, title: "lobby", members: ["a", "c"])])
        #expect(h.core.origins == ["a": h.door, "b": h.door, "c": h.door])
        _ = h.door("c", .disconnect)
        #expect(h.core.origins["c"] == nil)
    }

    @Test("a line goes once to every other member, with its id; a frontend's copy is answered without a second push")
    func lineOncePerMember() {
        var h = ChatHarness.serving()
        for user in ["a", "b", "c"] { _ = h.door(user, .connect(name: user)) }
        _ = h.door("a", .create(title: "lobby"))
        _ = h.door("b", .join(roomID: 1))
        _ = h.door("c", .join(roomID: 1))
        let said = h.frontend("a", .say(text: "hi", messageID: 77), id: 5)
        let pushes = ChatHarness.pushes(said)
        #expect(pushes.count == 1)
        #expect(pushes.first?.users == ["b", "c"])
        #expect(pushes.first?.body == .line(member: "a", text: "hi", messageID: 77))
        #expect(said.contains { if case .log(NodeLog.chatLine, _) = $0 { true } else { false } })
        #expect(ChatHarness.answers(said) == [.ok])
        // The same request again (a client's retry): the first answer, no push.
        let copy = h.frontend("a", .say(text: "hi", messageID: 77), id: 5)
        #expect(ChatHarness.pushes(copy).isEmpty)
        #expect(ChatHarness.answers(copy) == [.ok])
        #expect(copy.contains { if case .log(NodeLog.requestRepeat, _) = $0 { true } else { false } })
    }

    @Test("pushes wait for a session node, go on one stream in order, and go again on a new stream when it breaks")
    func outboxAcrossStreams() {
        var h = ChatHarness()
        _ = h.core.start(now: at(0))
        // Registered before any session node is known: the broadcast waits, nothing is opened.
        #expect(h.core.becameServing(session: nil, now: at(0)).isEmpty)
        #expect(h.core.outbox.count == 1)
        let joined = h.core.membershipChanged(.joined(h.session, epoch: 1), session: h.session, now: at(10))
        guard case .openSessionStream(let first, to: h.session) = joined.first else {
            Issue.record("no stream opened: \(joined)")
            return
        }
        #expect(joined.count == 2)
        guard case .sendOnSessionStream(.backend(_, .broadcast(_, .chat(.restarted), _, let restartKey)), first) = joined.last else {
            Issue.record("no broadcast: \(joined)")
            return
        }
        _ = h.door("a", .connect(name: "a"))
        let created = h.door("a", .create(title: "lobby"))
        #expect(created.count == 1)   // on the open stream, not opened again
        #expect(ChatHarness.pushes(created).count == 1)
        h.confirm(restartKey)
        // The stream breaks: the unconfirmed push goes again, alone, on a second stream.
        let again = h.core.sessionStreamClosed(first, session: h.session, now: at(20))
        guard case .openSessionStream(let second, to: h.session) = again.first else {
            Issue.record("no new stream: \(again)")
            return
        }
        #expect(second != first)
        #expect(ChatHarness.pushes(again).map(\.key) == ChatHarness.pushes(created).map(\.key))
        #expect(again.count == 2)
        // A close of a stream that is no longer the session stream changes nothing.
        #expect(h.core.sessionStreamClosed(first, session: h.session, now: at(30)).isEmpty)
    }

    @Test("the outbox timer: every 500 ms, all unconfirmed pushes again once the oldest waited a second")
    func outboxRetryTimer() {
        var h = ChatHarness()
        #expect(h.core.start(now: at(0)) == [.schedule(.outboxRetry, after: .milliseconds(500))])
        let first = h.core.becameServing(session: h.session, now: at(0))
        #expect(first.count == 2)   // open, broadcast
        let early = h.core.fire(.outboxRetry, session: h.session, now: at(500))
        #expect(early == [.schedule(.outboxRetry, after: .milliseconds(500))])
        let late = h.core.fire(.outboxRetry, session: h.session, now: at(1000))
        #expect(late.count == 2)
        #expect(late.first == .schedule(.outboxRetry, after: .milliseconds(500)))
        guard case .sendOnSessionStream(.backend(_, .broadcast), _) = late.last else {
            Issue.record("not sent again: \(late)")
            return
        }
        // Confirmed: the timer only comes round again.
        h.confirmAll(first)
        for case .broadcast(_, _, _, let key) in ChatHarness.sessionCalls(first) { h.confirm(key) }
        #expect(h.core.fire(.outboxRetry, session: h.session, now: at(5000)) == [.schedule(.outboxRetry, after: .milliseconds(500))])
    }

    @Test("calls that arrive while registering are held and run after the restart broadcast, in order")
    func heldWhileRegistering() {
        var h = ChatHarness()
        _ = h.core.start(now: at(0))
        let held = h.core.call(.chat(user: "a", command: .connect(name: "a"), request: nil), from: h.door, serving: false,
                               mayServeAgain: true, session: h.session, now: at(0))
        _ = h.core.call(.chat(user: "a", command: .create(title: "lobby"), request: nil), from: h.door, serving: false,
                        mayServeAgain: true, session: h.session, now: at(0))
        // A fenced node holds nothing.
        _ = h.core.call(.chat(user: "z", command: .connect(name: "z"), request: nil), from: h.door, serving: false,
                        mayServeAgain: false, session: h.session, now: at(0))
        #expect(held.isEmpty)
        #expect(h.core.rooms.memberCount == 0)
        let serving = h.core.becameServing(session: h.session, now: at(1))
        guard case .broadcast(_, .chat(.restarted), _, _) = ChatHarness.sessionCalls(serving).first else {
            Issue.record("no restart broadcast first: \(serving)")
            return
        }
        #expect(ChatHarness.systemLines(serving) == ["a: \(ChatText.entered(room: "lobby"))"])
        #expect(h.core.rooms.isConnected(ChatMemberID("a")))
        #expect(!h.core.rooms.isConnected(ChatMemberID("z")))
        // Registered again later (a manager restart): no second broadcast.
        #expect(h.core.becameServing(session: h.session, now: at(2)).isEmpty)
    }

    @Test("a restarted node: a line from a member it does not know is refused, the member restores its room")
    func restartRecovery() {
        var h = ChatHarness.serving()   // a fresh incarnation: no rooms
        let line = h.frontend("a", .say(text: "hello?", messageID: 1), id: 1)
        #expect(ChatHarness.answers(line) == [.refused(.notInRoom)])
        #expect(ChatHarness.pushes(line).isEmpty)
        let leave = h.frontend("b", .leave, id: 2)
        #expect(ChatHarness.answers(leave) == [.refused(.notInRoom)])
        let restore = h.frontend("a", .restore(roomID: 4, title: "lobby"), id: 3)
        #expect(ChatHarness.answers(restore) == [.joined(roomID: 4, title: "lobby")])
        let again = h.frontend("b", .restore(roomID: 4, title: "lobby"), id: 4)
        #expect(ChatHarness.answers(again) == [.joined(roomID: 4, title: "lobby")])
        #expect(ChatHarness.systemLines(again).last == "a: \(ChatText.memberJoined("b"))")
        let said = h.frontend("a", .say(text: "back", messageID: 2), id: 5)
        #expect(ChatHarness.pushes(said).map(\.users) == [["b"]])
    }

    @Test("members of a door that left are disconnected: the others hear they left")
    func doorLeft() {
        var h = ChatHarness.serving()
        _ = h.door("a", .connect(name: "a"))
        _ = h.door("a", .create(title: "lobby"))
        let other = NodeName(.chatDoor, 2)
        _ = h.core.call(.chat(user: "b", command: .connect(name: "b"), request: nil), from: other, serving: true,
                        mayServeAgain: true, session: h.session, now: at(0))
        _ = h.core.call(.chat(user: "b", command: .join(roomID: 1), request: nil), from: other, serving: true,
                        mayServeAgain: true, session: h.session, now: at(0))
        let left = h.core.membershipChanged(.left(other, epoch: 1), session: h.session, now: at(1))
        #expect(left.first == .log(NodeLog.chatMembersDropped, ["node": .name(other), "members": .number(1)]))
        #expect(ChatHarness.systemLines(left) == ["a: \(ChatText.memberLeft("b"))"])
        #expect(h.core.origins == ["a": h.door])
        #expect(h.core.rooms.roomList.first?.members == ["a"])
    }
}
