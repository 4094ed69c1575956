import NetModel
import Nodes
import Testing

/// Milliseconds since the start of the run.
private func ms(_ value: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: value * 1_000_000) }

/// An outbox holding `pushes` accepted in order; the n-th (from 0) gets push id 100 + n, body
/// "p<n>", accepted at `ms(n * 10)`.
private func makeOutbox(_ users: [String] = []) -> PushOutbox<String> {
    var outbox = PushOutbox<String>()
    for (n, user) in users.enumerated() {
        outbox.accept(user: user, pushID: UInt64(100 + n), body: "p\(n)", now: ms(Int64(n) * 10))
    }
    return outbox
}

/// A client inbox for string payloads.
private func makeInbox(reorderCapacity: Int = 64) -> PushInbox<String> {
    PushInbox(reorderCapacity: reorderCapacity)
}

private func delivery(_ seq: UInt64, _ payload: String) -> InboxDelivery<String> {
    InboxDelivery(seq: seq, payload: payload)
}

@Suite("PushOutbox")
struct PushOutboxTests {
    @Test("sequence numbers start at 1 and count per user")
    func seqPerUser() {
        var outbox = makeOutbox()
        #expect(outbox.nextSeq(user: "alice") == 1)
        #expect(outbox.accept(user: "alice", pushID: 1, body: "a", now: .zero) == 1)
        #expect(outbox.accept(user: "bob", pushID: 2, body: "b", now: .zero) == 1)
        #expect(outbox.accept(user: "alice", pushID: 3, body: "c", now: .zero) == 2)
        #expect(outbox.accept(user: "alice", pushID: 4, body: "d", now: .zero) == 3)
        #expect(outbox.nextSeq(user: "alice") == 4)
        #expect(outbox.pendingCount == 4)
        #expect(outbox.pendingCount(user: "alice") == 3)
        #expect(outbox.usersWithPending == ["alice", "bob"])
    }

    @Test("a cumulative ack removes every pending push up to and including its seq")
    func cumulativeAck() {
        var outbox = makeOutbox(["alice", "alice", "alice", "alice", "bob"])
        #expect(outbox.ack(user: "alice", upTo: 3) == 3)
        #expect(outbox.pendingForResend(user: "alice").map(\.seq) == [4])
        #expect(outbox.ack(user: "alice", upTo: 2) == 0, "a stale ack changes nothing")
        #expect(outbox.ack(user: "alice", upTo: 3) == 0, "a repeated ack changes nothing")
        #expect(outbox.pendingCount(user: "bob") == 1, "acks are per user")
        #expect(outbox.ack(user: "alice", upTo: 99) == 1)
        #expect(outbox.pendingCount == 1)
        #expect(outbox.ack(user: "nobody", upTo: 5) == 0)
        #expect(outbox.accept(user: "alice", pushID: 9, body: "x", now: ms(100)) == 5, "numbering continues")
    }

    @Test("a queue acknowledged to the end gives its storage back; a partial ack keeps it")
    func emptiedQueueReleasesStorage() {
        var outbox = makeOutbox(["alice", "alice", "alice", "bob"])
        #expect(outbox.ack(user: "alice", upTo: 1) == 1)
        #expect(outbox.pendingCapacity(user: "alice") >= 2, "pushes still pending keep their room")
        #expect(outbox.ack(user: "alice", upTo: 3) == 2)
        #expect(outbox.pendingCapacity(user: "alice") == 0)
        #expect(outbox.pendingCapacity(user: "bob") >= 1, "acks are per user")
        #expect(outbox.nextSeq(user: "alice") == 4 && outbox.floor(user: "alice") == 4)
        #expect(outbox.accept(user: "alice", pushID: 9, body: "x", now: ms(100)) == 4, "numbering continues")
        #expect(outbox.pendingForResend(user: "alice").map(\.pushID) == [9])
    }

    @Test("resend returns the pending pushes in seq order with their ids and bodies")
    func resendOrder() {
        var outbox = makeOutbox(["alice", "bob", "alice", "alice"])
        outbox.ack(user: "alice", upTo: 1)
        #expect(outbox.pendingForResend(user: "alice") == [
            PendingPush(user: "alice", seq: 2, pushID: 102, body: "p2", acceptedAt: ms(20)),
            PendingPush(user: "alice", seq: 3, pushID: 103, body: "p3", acceptedAt: ms(30)),
        ])
        #expect(outbox.pendingForResend(user: "carol") == [])
    }

    @Test("retention expiry happens at exactly acceptedAt + retention, not a nanosecond before")
    func expiryBoundary() {
        var outbox = makeOutbox(["alice"])
        outbox.accept(user: "alice", pushID: 7, body: "late", now: ms(500))
        let retention = Duration.seconds(2)
        #expect(outbox.nextExpiry(retention: retention) == ms(2_000))
        #expect(outbox.expire(now: VirtualInstant(nanoseconds: 2_000_000_000 - 1), retention: retention) == [])
        #expect(outbox.pendingCount == 2)
        #expect(outbox.expire(now: ms(2_000), retention: retention) == [
            ExpiredPush(push: PendingPush(user: "alice", seq: 1, pushID: 100, body: "p0", acceptedAt: .zero),
                        expiredAt: ms(2_000)),
        ])
        #expect(outbox.pendingForResend(user: "alice").map(\.seq) == [2])
        #expect(outbox.nextExpiry(retention: retention) == ms(2_500))
        #expect(outbox.expire(now: ms(2_499), retention: retention) == [])
        #expect(outbox.expire(now: ms(2_500), retention: retention).map(\.push.seq) == [2])
        #expect(outbox.nextExpiry(retention: retention) == nil)
    }

    @Test("expired pushes come out sorted by user, then seq")
    func expirySorted() {
        var outbox = makeOutbox(["carol", "alice", "bob", "alice", "carol"])
        let expired = outbox.expire(now: ms(10_000), retention: .seconds(1))
        #expect(expired.map { "\($0.push.user)#\($0.push.seq)" } == ["alice#1", "alice#2", "bob#1", "carol#1", "carol#2"])
        #expect(expired.allSatisfy { $0.expiredAt == ms(10_000) })
        #expect(outbox.pendingCount == 0)
        #expect(outbox.usersWithPending == [])
    }

    @Test("dropAll returns the user's pending pushes in order and numbering continues")
    func dropAll() {
        var outbox = makeOutbox(["alice", "bob", "alice"])
        #expect(outbox.dropAll(user: "alice").map(\.seq) == [1, 2])
        #expect(outbox.dropAll(user: "alice") == [])
        #expect(outbox.pendingCount == 1)
        #expect(outbox.floor(user: "alice") == 3)
        #expect(outbox.accept(user: "alice", pushID: 1, body: "next", now: ms(90)) == 3)
    }

    @Test("floor is the lowest pending seq, or the next seq when nothing is pending")
    func floor() {
        var outbox = makeOutbox(["alice", "alice", "alice"])
        #expect(outbox.floor(user: "alice") == 1)
        outbox.ack(user: "alice", upTo: 1)
        #expect(outbox.floor(user: "alice") == 2)
        outbox.ack(user: "alice", upTo: 3)
        #expect(outbox.floor(user: "alice") == 4)
        #expect(outbox.floor(user: "nobody") == 1)
    }
}

@Suite("PushInbox")
struct PushInboxTests {
    @Test("in-order pushes are delivered and the ack follows")
    func inOrder() {
        var inbox = makeInbox()
        #expect(inbox.ackValue == 0)
        #expect(inbox.receive(seq: 1, payload: "a") == .deliver([delivery(1, "a")]))
        #expect(inbox.receive(seq: 2, payload: "b") == .deliver([delivery(2, "b")]))
        #expect(inbox.ackValue == 2)
        #expect(inbox.expected == 3)
    }

    @Test("a push already delivered is a duplicate: dropped, ack unchanged", arguments: [UInt64(1), 2, 3])
    func duplicate(seq: UInt64) {
        var inbox = makeInbox()
        for s in UInt64(1)...3 { _ = inbox.receive(seq: s, payload: "p\(s)") }
        #expect(inbox.receive(seq: seq, payload: "again") == .duplicate)
        #expect(inbox.ackValue == 3)
    }

    @Test("a push ahead of the expected one is held, then released in order when the gap fills")
    func reorder() {
        var inbox = makeInbox()
        _ = inbox.receive(seq: 1, payload: "a")
        #expect(inbox.receive(seq: 4, payload: "d") == .gap(expected: 2, held: true))
        #expect(inbox.receive(seq: 3, payload: "c") == .gap(expected: 2, held: true))
        #expect(inbox.receive(seq: 4, payload: "d") == .duplicate, "already held")
        #expect(inbox.ackValue == 1, "held pushes are not acknowledged")
        #expect(inbox.heldSequenceNumbers == [3, 4])
        #expect(inbox.receive(seq: 2, payload: "b") == .deliver([delivery(2, "b"), delivery(3, "c"), delivery(4, "d")]))
        #expect(inbox.ackValue == 4)
        #expect(inbox.heldCount == 0)
    }

    @Test("when the reorder buffer is full a push ahead is dropped unacknowledged")
    func bufferFull() {
        var inbox = makeInbox(reorderCapacity: 1)
        #expect(inbox.receive(seq: 3, payload: "c") == .gap(expected: 1, held: true))
        #expect(inbox.receive(seq: 4, payload: "d") == .gap(expected: 1, held: false))
        #expect(inbox.heldSequenceNumbers == [3])
        #expect(inbox.receive(seq: 1, payload: "a") == .deliver([delivery(1, "a")]))
        #expect(inbox.receive(seq: 2, payload: "b") == .deliver([delivery(2, "b"), delivery(3, "c")]))
        #expect(inbox.receive(seq: 4, payload: "d") == .deliver([delivery(4, "d")]), "the outbox resent it")
    }

    @Test("skip(below:) releases held pushes and reports the given-up numbers as lost")
    func skip() {
        var inbox = makeInbox()
        _ = inbox.receive(seq: 1, payload: "a")
        _ = inbox.receive(seq: 4, payload: "d")
        _ = inbox.receive(seq: 7, payload: "g")
        let skipped = inbox.skip(below: 6)
        #expect(skipped == InboxSkip(delivered: [delivery(4, "d")], lost: [2..<4, 5..<6]))
        #expect(skipped.lostCount == 3)
        #expect(inbox.expected == 6)
        #expect(inbox.receive(seq: 6, payload: "f") == .deliver([delivery(6, "f"), delivery(7, "g")]))
        #expect(inbox.skip(below: 3) == InboxSkip(delivered: [], lost: []), "a floor at or below expected is a no-op")
        #expect(inbox.ackValue == 7)
    }

    @Test("skip(below:) also drains held pushes contiguous from the floor")
    func skipDrains() {
        var inbox = makeInbox()
        _ = inbox.receive(seq: 3, payload: "c")
        _ = inbox.receive(seq: 4, payload: "d")
        #expect(inbox.skip(below: 3) == InboxSkip(delivered: [delivery(3, "c"), delivery(4, "d")], lost: [1..<3]))
        #expect(inbox.ackValue == 4)
    }

    @Test("reset expects seq 1 again (for a new outbox, never on reconnect)")
    func reset() {
        var inbox = makeInbox()
        _ = inbox.receive(seq: 1, payload: "a")
        _ = inbox.receive(seq: 3, payload: "c")
        inbox.reset()
        #expect(inbox.ackValue == 0)
        #expect(inbox.heldCount == 0)
        #expect(inbox.receive(seq: 1, payload: "a2") == .deliver([delivery(1, "a2")]))
    }
}

@Suite("PushOutbox + PushInbox: reconnect scenarios")
struct PushReliabilityScenarioTests {
    /// Sends `push` to `inbox` the way the shells do: skip below the floor, then receive.
    private func send(_ push: PendingPush<String>, floor: UInt64, to inbox: inout PushInbox<String>) -> [String] {
        var got = inbox.skip(below: floor).delivered.map(\.payload)
        if case .deliver(let items) = inbox.receive(seq: push.seq, payload: push.body) {
            got += items.map(\.payload)
        }
        return got
    }

    @Test("a stream lost mid-way: resend from the last ack delivers every push exactly once, in order")
    func resendAfterReconnect() {
        var outbox = makeOutbox()
        var inbox = makeInbox()
        var delivered: [String] = []
        for n in 1...5 {
            outbox.accept(user: "alice", pushID: UInt64(n), body: "m\(n)", now: ms(Int64(n)))
        }
        // Stream 1 carries m1, m2, m3; m3's ack is lost; m4, m5 are lost with the stream.
        for push in outbox.pendingForResend(user: "alice").prefix(3) {
            delivered += send(push, floor: outbox.floor(user: "alice"), to: &inbox)
        }
        outbox.ack(user: "alice", upTo: 2)
        // Reconnect: the inbox survives, the outbox resends 3, 4, 5; 3 is a duplicate.
        for push in outbox.pendingForResend(user: "alice") {
            delivered += send(push, floor: outbox.floor(user: "alice"), to: &inbox)
        }
        outbox.ack(user: "alice", upTo: inbox.ackValue)
        #expect(delivered == ["m1", "m2", "m3", "m4", "m5"])
        #expect(outbox.pendingCount == 0)
    }

    @Test("a new push overtaking the resend is held, not lost")
    func newPushOvertakesResend() throws {
        var outbox = makeOutbox()
        var inbox = makeInbox()
        var delivered: [String] = []
        outbox.accept(user: "alice", pushID: 1, body: "m1", now: ms(1))
        outbox.accept(user: "alice", pushID: 2, body: "m2", now: ms(2))
        let m3 = outbox.accept(user: "alice", pushID: 3, body: "m3", now: ms(3))
        let fresh = try #require(outbox.pendingForResend(user: "alice").first { $0.seq == m3 })
        delivered += send(fresh, floor: outbox.floor(user: "alice"), to: &inbox)
        for push in outbox.pendingForResend(user: "alice") {
            delivered += send(push, floor: outbox.floor(user: "alice"), to: &inbox)
        }
        #expect(delivered == ["m1", "m2", "m3"])
        #expect(inbox.ackValue == 3)
    }

    @Test("pushes expired while the user was away are skipped by the floor and counted on both sides")
    func expiredWhileAway() {
        var outbox = makeOutbox()
        var inbox = makeInbox()
        outbox.accept(user: "alice", pushID: 1, body: "old1", now: .zero)
        outbox.accept(user: "alice", pushID: 2, body: "old2", now: ms(100))
        outbox.accept(user: "alice", pushID: 3, body: "new", now: ms(5_000))
        let expired = outbox.expire(now: ms(5_100), retention: .seconds(5))
        #expect(expired.map(\.push.seq) == [1, 2])
        var lost: UInt64 = 0
        var delivered: [String] = []
        for push in outbox.pendingForResend(user: "alice") {
            let skipped = inbox.skip(below: outbox.floor(user: "alice"))
            lost += skipped.lostCount
            if case .deliver(let items) = inbox.receive(seq: push.seq, payload: push.body) {
                delivered += items.map(\.payload)
            }
        }
        #expect(delivered == ["new"])
        #expect(lost == UInt64(expired.count))
    }
}
