import NetModel
@testable import Nodes
import Testing

private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }
private let alice = NodeName(.client, 1)

/// Test answers: a number packs (kind 0), any other text is kept whole.
extension String: WindowAnswer {
    public var packed: (kind: UInt8, word: UInt64)? { UInt64(self).map { (0, $0) } }
    public init(kind: UInt8, word: UInt64) { self = String(word) }
}

@Suite("RequestWindow: each request key executes once, copies get the first answer")
struct RequestWindowTests {
    func key(_ n: UInt64, origin: NodeName = alice, epoch: UInt64 = 7) -> RequestKey {
        RequestKey(origin: origin, id: RequestKey.id(incarnation: epoch, counter: n))
    }

    @Test("first time: execute; a copy while executing: in progress; after: the first answer")
    func lifecycle() {
        var window = RequestWindow<String>(capacity: 4)
        guard case .execute = window.begin(key(1)) else { Issue.record("not executed"); return }
        guard case .inProgress = window.begin(key(1)) else { Issue.record("copy executed"); return }
        window.finish(key(1), answer: "a")
        guard case .repeated("a") = window.begin(key(1)) else { Issue.record("no first answer"); return }
        #expect(window.answer(for: key(1)) == "a")
    }

    @Test("origins are independent; a full window forgets its oldest and refuses it as stale")
    func boundedPerOrigin() {
        var window = RequestWindow<String>(capacity: 2)
        for n: UInt64 in 1...3 {
            _ = window.begin(key(n))
            window.finish(key(n), answer: "\(n)")
        }
        guard case .stale = window.begin(key(1)) else { Issue.record("forgotten key executed again"); return }
        guard case .repeated("3") = window.begin(key(3)) else { Issue.record("recent key lost"); return }
        guard case .execute = window.begin(key(1, origin: NodeName(.client, 2))) else { Issue.record("origins shared"); return }
        #expect(window.originCount == 2)
    }

    @Test("answers packed in the entry and answers kept whole both come back; a forgotten whole answer's slot is reused")
    func packedAndWholeAnswers() {
        var window = RequestWindow<String>(capacity: 2)
        for (n, answer) in [(1, "a"), (2, "7"), (3, "b"), (4, "c")] as [(UInt64, String)] {
            _ = window.begin(key(n))
            window.finish(key(n), answer: answer)
        }
        guard case .repeated("b") = window.begin(key(3)), case .repeated("c") = window.begin(key(4)) else {
            Issue.record("a whole answer was lost or overwritten")
            return
        }
        #expect(window.answer(for: key(2)) == nil)
        var packing = RequestWindow<String>(capacity: 4)
        _ = packing.begin(key(1))
        packing.finish(key(1), answer: "42")
        packing.finish(key(1), answer: "x")
        #expect(packing.answer(for: key(1)) == "x")
    }

    @Test("a client's answers: ok, flags and push ids pack and come back as they were; the rest stay whole")
    func clientResultsPack() {
        for result: ClientResult in [.ok, .flag(true), .flag(false), .accepted(pushID: UInt64.max - 5)] {
            let packed = result.packed
            #expect(packed.map { ClientResult(kind: $0.kind, word: $0.word) } == result)
        }
        for result: ClientResult in [.token("t"), .joined(roomID: 3, title: "r"), .refused(.staleRequest)] {
            #expect(result.packed == nil)
        }
    }

    @Test("an origin that restarted starts a new series; its old series' late copies are stale")
    func newIncarnation() {
        var window = RequestWindow<String>(capacity: 8)
        _ = window.begin(key(9, epoch: 7))
        window.finish(key(9, epoch: 7), answer: "old")
        guard case .execute = window.begin(key(1, epoch: 3)) else { Issue.record("new series refused"); return }
        guard case .stale = window.begin(key(9, epoch: 7)) else { Issue.record("old series executed again"); return }
    }

    @Test("entries keep the whole 40-bit counter: ids that differ only above bit 32, or only in their step, are different requests; a forgotten one is stale in its series only")
    func wholeCounter() {
        var window = RequestWindow<String>(capacity: 2)
        let low = key(5), high = key(5 + (1 << 32)), higher = key(5 + (1 << 36))
        _ = window.begin(low)
        window.finish(low, answer: "low")
        guard case .execute = window.begin(high) else { Issue.record("bits 32-39 of the counter ignored"); return }
        window.finish(high, answer: "high")
        #expect(window.answer(for: low) == "low" && window.answer(for: high) == "high")
        #expect(window.answer(for: low.step(1)) == nil)
        #expect(window.answer(for: key(5, epoch: 8)) == nil)
        // A third request forgets `low`; `high` and `higher` stay, and `low` is now stale.
        _ = window.begin(higher)
        window.finish(higher, answer: "higher")
        guard case .stale = window.begin(low) else { Issue.record("forgotten request not stale"); return }
        guard case .repeated("high") = window.begin(high), case .repeated("higher") = window.begin(higher) else {
            Issue.record("a remembered request was lost")
            return
        }
    }

    @Test("every origin keeps its own window: clients found by number (a far one, and one the numbered ones later reach, by name), other roles by name")
    func originsByNumberAndName() {
        var window = RequestWindow<String>(capacity: 4)
        let origins = [NodeName(.client, 3), NodeName(.client, 9_000), NodeName(.chatDoor, 3), NodeName(.client, 1),
                       NodeName(.client, 4_000), NodeName(.client, 8_000), NodeName(.client, 10_000), NodeName(.chat, 1)]
        for origin in origins {
            guard case .execute = window.begin(key(1, origin: origin)) else { Issue.record("\(origin) shares a window"); return }
            window.finish(key(1, origin: origin), answer: "\(origin)")
        }
        #expect(window.originCount == origins.count)
        for origin in origins {
            guard case .repeated("\(origin)") = window.begin(key(1, origin: origin)) else { Issue.record("\(origin) lost its window"); return }
            #expect(window.answer(for: key(1, origin: origin)) == "\(origin)")
        }
        #expect(window.answer(for: key(1, origin: NodeName(.client, 2))) == nil)
        #expect(window.answer(for: key(1, origin: NodeName(.client, 20_000))) == nil)
    }

    @Test("an abandoned execution may run again")
    func abandon() {
        var window = RequestWindow<String>()
        _ = window.begin(key(1))
        window.abandon(key(1))
        guard case .execute = window.begin(key(1)) else { Issue.record("abandoned key not runnable"); return }
    }

    @Test("request ids: 24 bits of incarnation above a 40-bit counter")
    func idLayout() {
        let id = RequestKey.id(incarnation: 0xABCDEF12, counter: 5)
        #expect(RequestKey(origin: alice, id: id).epoch == 0xCDEF12)
        #expect(id & 0xFF_FFFF_FFFF == 5)
    }
}

@Suite("Refusals are typed: retryable, or asking for a new login")
struct RefusalTests {
    @Test("labels keep the trace's texts; the classes drive the client")
    func classes() {
        #expect(Refusal.badToken("signature").label == "bad-token:signature")
        #expect(Refusal.expiredToken.needsLogin && Refusal.badToken("x").needsLogin)
        #expect(Refusal.sessionUnavailable.isRetryable && Refusal.chatUnavailable.isRetryable && Refusal.notServing.isRetryable)
        #expect(!Refusal.staleRequest.isRetryable && !Refusal.notInRoom.isRetryable && !Refusal.wrongPassword.isRetryable)
        #expect(ClientResult.refused(.noFrontend).refusal == .noFrontend && !ClientResult.refused(.noFrontend).isSuccess)
        #expect(ClientResult.accepted(pushID: 3).isSuccess)
    }
}

@Suite("PushOutbox: retransmission per push, never starved by new pushes")
struct PushRetransmissionTests {
    @Test("a user pushed every 100 ms still gets the old unacknowledged push again after 1 s")
    func notStarved() {
        var outbox = PushOutbox<String>()
        let policy = RetransmitPolicy()
        _ = outbox.accept(user: "u", pushID: 1, body: "lost", now: at(0), sent: true)
        var resent: [UInt64] = []
        for step in 1...20 {
            let now = at(Int64(step) * 100)
            _ = outbox.accept(user: "u", pushID: UInt64(step + 1), body: "new", now: now, sent: true)
            for due in outbox.takeDueRetransmissions(now: now, policy: policy, where: { _ in true }) {
                resent += due.pushes.map(\.pushID)
            }
        }
        // Push 1 is resent at 1 s and again at 3 s (back-off doubles); the newer ones in turn.
        #expect(resent.filter { $0 == 1 }.count == 1)
        #expect(resent.first == 1)
    }

    @Test("back-off doubles from the base to the cap")
    func backoff() {
        let policy = RetransmitPolicy(base: .seconds(1), cap: .seconds(8))
        #expect((0...5).map { policy.delay(after: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    }

    @Test("a push never sent (the user was offline) is due at once for a user with a route; a reconnect restarts the back-off")
    func offlineThenRoute() {
        var outbox = PushOutbox<String>()
        _ = outbox.accept(user: "u", pushID: 1, body: "x", now: at(0), sent: false)
        #expect(outbox.takeDueRetransmissions(now: at(5_000), policy: RetransmitPolicy(), where: { _ in false }).isEmpty)
        #expect(outbox.takeDueRetransmissions(now: at(5_000), policy: RetransmitPolicy(), where: { _ in true }).count == 1)
        _ = outbox.markSent(user: "u", at: at(6_000))
        #expect(outbox.takeDueRetransmissions(now: at(6_500), policy: RetransmitPolicy(), where: { _ in true }).isEmpty)
        #expect(outbox.takeDueRetransmissions(now: at(7_000), policy: RetransmitPolicy(), where: { _ in true }).count == 1)
    }
}

@Suite("PushInbox: a full reorder buffer keeps the pushes nearest the expected one")
struct PushInboxEvictionTests {
    @Test("a hole's push arriving at a full buffer evicts the highest held one")
    func evictsHighest() {
        var inbox = PushInbox<String>(reorderCapacity: 2)
        _ = inbox.receive(seq: 5, payload: "e")
        _ = inbox.receive(seq: 9, payload: "i")
        #expect(inbox.receive(seq: 3, payload: "c") == .gap(expected: 1, held: true))
        #expect(inbox.heldSequenceNumbers == [3, 5])
        #expect(inbox.receive(seq: 12, payload: "l") == .gap(expected: 1, held: false))
    }
}

@Suite("The session node's bookkeeping: kicks until confirmed, ended streams, held calls")
struct SessionBookkeepingTests {
    @Test("a kick is due again until its logout confirms it; a removed frontend's kicks are forgotten")
    func kicks() {
        var kicks = PendingKicks()
        kicks.add(user: "u", frontend: NodeName(.frontend, 1), connection: 4, reason: "newer-login", at: at(0))
        kicks.add(user: "v", frontend: NodeName(.frontend, 2), connection: 5, reason: "kicked", at: at(0))
        #expect(kicks.takeDue(now: at(400), after: .milliseconds(500)).isEmpty)
        #expect(kicks.takeDue(now: at(500), after: .milliseconds(500)).map(\.user) == ["u", "v"])
        kicks.confirm(user: "u", frontend: NodeName(.frontend, 1), connection: 4)
        kicks.forget(frontend: NodeName(.frontend, 2))
        #expect(kicks.count == 0)
    }

    @Test("ended streams are remembered, up to a bound")
    func endedStreams() {
        var ended = EndedStreams(capacity: 2)
        ended.insert(frontend: NodeName(.frontend, 1), connection: 1)
        ended.insert(frontend: NodeName(.frontend, 1), connection: 2)
        #expect(ended.contains(frontend: NodeName(.frontend, 1), connection: 1))
        #expect(!ended.contains(frontend: NodeName(.frontend, 2), connection: 1))
        ended.insert(frontend: NodeName(.frontend, 1), connection: 3)
        #expect(!ended.contains(frontend: NodeName(.frontend, 1), connection: 1))
    }

    @Test("recent ids: a repeat is refused, the oldest is forgotten when full")
    func recentIDs() {
        var recent = RecentIDs(capacity: 2)
        #expect(recent.insert(1) && recent.insert(2) && !recent.insert(1))
        #expect(recent.insert(3) && !recent.contains(1) && recent.contains(2))
    }

    @Test("recent ids: past its capacity the ring forgets in insertion order, round after round")
    func recentIDsWrap() {
        var recent = RecentIDs(capacity: 3)
        for id: UInt64 in 1...7 {
            let fresh = recent.insert(id)
            #expect(fresh)
        }
        for id: UInt64 in 1...4 { #expect(!recent.contains(id)) }
        for id: UInt64 in 5...7 { #expect(recent.contains(id)) }
        let repeated = !recent.insert(6), forgotten = recent.insert(4)
        #expect(repeated && forgotten && !recent.contains(5) && recent.contains(6) && recent.contains(7))
    }

    @Test("recent ids: the ring grows by half its length, up to its capacity and no further")
    func recentIDsRoom() {
        var recent = RecentIDs(capacity: 256)
        for id: UInt64 in 1...130 {
            recent.insert(id)
            // `room` is the array's capacity: what malloc handed back, which may exceed the request
            // by less than 32 bytes (up to 7 more 4-byte words) depending on the heap's state, that
            // is on what the tests running beside this one allocated.
            let asked = max(8, Int(id) + Int(id) / 2 + 4)
            #expect(recent.room <= asked + RecentIDsSlack.words, "room \(recent.room) for \(id) ids")
        }
        for id: UInt64 in 131...600 { recent.insert(id) }
        #expect(recent.room <= 256 + 8 && recent.contains(600) && !recent.contains(344) && recent.contains(345))
    }

    @Test("recent ids: every position of a ring is found, in the four-wide blocks and in the tail")
    func recentIDsEveryPosition() {
        // 10 ids: two blocks of four and a tail of two, and each position holds a different id.
        var recent = RecentIDs(capacity: 10)
        for id: UInt64 in 100..<110 {
            let fresh = recent.insert(id)
            #expect(fresh)
        }
        for id: UInt64 in 100..<110 {
            #expect(recent.contains(id), "id \(id) at position \(id - 100)")
            let repeated = !recent.insert(id)
            #expect(repeated)
        }
        for absent: UInt64 in [0, 99, 110, .max] { #expect(!recent.contains(absent)) }
    }

    @Test("recent ids: ids of several prefixes are held in 4 bytes and told apart by prefix and counter, through wrapping")
    func recentIDsNarrow() {
        let a: UInt64 = 0xC01_0000_0000_0000, b: UInt64 = 17 << 32, c: UInt64 = 0xFFFF_FFFF << 32
        var recent = RecentIDs(capacity: 8)
        let first = [a | 1, b | 1, c | 1, a | 0xFF_FFFF, b | 2]
        let fresh = first.map { recent.insert($0) }
        #expect(fresh.allSatisfy { $0 } && !recent.holdsWide && recent.count == 5)
        let again = first.map { recent.insert($0) }
        #expect(first.allSatisfy { recent.contains($0) } && again.allSatisfy { !$0 })
        for absent in [a | 2, b | 0xFF_FFFF, c | 2, 1, (a + (1 << 32)) | 1, a | 0x100_0001, UInt64.max] {
            #expect(!recent.contains(absent), "\(String(absent, radix: 16))")
        }
        // Wrapping: the oldest go, whatever their prefix; a new prefix while full keeps the order.
        for n: UInt64 in 3...5 { recent.insert(b | n) }
        #expect(recent.count == 8 && recent.contains(a | 1))
        let newPrefix = recent.insert((5 << 32) | 9)
        #expect(newPrefix && !recent.contains(a | 1) && recent.contains(b | 1) && recent.contains((5 << 32) | 9))
        let back = recent.insert(a | 1)
        #expect(back && !recent.contains(b | 1) && recent.contains(c | 1) && recent.room <= 8 + 4 + RecentIDsSlack.words && !recent.holdsWide)
    }

    @Test("recent ids: an id that does not fit 4 bytes (a counter of 2^24, a 257th prefix) turns the ring wide, keeping every id and the order")
    func recentIDsWiden() {
        // 256 prefixes, then an id with a counter of 2^24; 256 prefixes, then a 257th.
        for last in [UInt64(3) << 32 | 0x100_0000, UInt64(300) << 32 | 1] {
            var recent = RecentIDs(capacity: 300)
            let ids = (0..<UInt64(299)).map { ($0 % 256) << 32 | ($0 + 1) }
            let fresh = ids.map { recent.insert($0) }
            #expect(fresh.allSatisfy { $0 } && !recent.holdsWide)
            let widened = recent.insert(last)
            #expect(widened && recent.holdsWide && recent.count == 300)
            #expect(ids.allSatisfy { recent.contains($0) } && recent.contains(last))
            let repeated = !recent.insert(last)
            // Full: the oldest goes first, as before the widening.
            let next = recent.insert(999 << 32)
            #expect(repeated && next && !recent.contains(ids[0]) && recent.contains(ids[1]) && recent.contains(last))
        }
    }
}

@Suite("ChatPushOutbox: the chat node's pushes go in order on each stream until confirmed")
struct ChatPushOutboxTests {
    func push(_ n: UInt64) -> (RequestKey, BackendCall) {
        let key = RequestKey(origin: NodeName(.chat, 1), id: n)
        return (key, .pushTo(users: ["u"], pushID: n, body: .broadcast(text: "\(n)"), acceptedAt: 0, request: key))
    }

    @Test("each push is sent once per stream, unconfirmed ones again on a new stream, in order")
    func order() {
        var outbox = ChatPushOutbox()
        for n: UInt64 in 1...3 { _ = outbox.append(push(n).0, push(n).1) }
        #expect(outbox.takeUnsent(on: StreamID(1), now: at(0)).count == 3)
        #expect(outbox.takeUnsent(on: StreamID(1), now: at(1)).isEmpty)
        outbox.confirm(push(2).0)
        let again = outbox.takeUnsent(on: StreamID(2), now: at(2))
        #expect(again == [push(1).1, push(3).1])
        #expect(outbox.count == 2)
    }

    @Test("past its limit the oldest push is given up")
    func bounded() {
        var outbox = ChatPushOutbox(limit: 2)
        _ = outbox.append(push(1).0, push(1).1)
        _ = outbox.append(push(2).0, push(2).1)
        #expect(outbox.append(push(3).0, push(3).1) == push(1).0)
    }
}

@Suite("ChatRooms.restore: a member puts its room back after a chat-node restart")
struct ChatRoomsRestoreTests {
    @Test("the first restorer recreates the room with its number and title; the next joins it")
    func restore() {
        var rooms = ChatRooms()
        _ = rooms.connect("a", name: "alice")
        _ = rooms.connect("b", name: "bob")
        let first = rooms.restore("a", roomID: 4, title: "lobby")
        #expect(first.roomID == 4 && rooms.title(ofRoom: 4) == "lobby")
        #expect(first.effects == [.system(to: "a", text: ChatText.entered(room: "lobby"))])
        let second = rooms.restore("b", roomID: 4, title: "lobby")
        #expect(second.roomID == 4 && rooms.members(ofRoom: 4) == ["a", "b"])
        #expect(rooms.restore("b", roomID: 9, title: "other").roomID == 4, "a member in a room stays there")
        _ = rooms.connect("c", name: "carol")
        #expect(rooms.create("c", title: "new").first == .system(to: "c", text: ChatText.entered(room: "new")))
        #expect(rooms.room(of: "c") == 5, "numbers continue above a restored room")
    }
}

/// How many more 4-byte words than asked an array's capacity may show: malloc may hand back a
/// block up to 31 bytes larger than the request (it does not split off less than its 32-byte
/// minimum chunk).
enum RecentIDsSlack {
    static let words = 7
}
