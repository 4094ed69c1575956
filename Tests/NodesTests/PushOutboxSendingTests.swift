import NetModel
@testable import Nodes
import Testing

/// Milliseconds since the start of the run.
private func ms(_ value: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: value * 1_000_000) }

@Suite("PushOutbox sending side")
struct PushOutboxSendingTests {
    @Test("accept(…sent:) gives the seq and floor that accept and floor give, and marks sent only when asked")
    func acceptWithFloor() {
        var outbox = PushOutbox<String>()
        var plain = PushOutbox<String>()
        for (n, user) in ["alice", "bob", "alice", "alice"].enumerated() {
            let now = ms(Int64(n) * 10)
            let (seq, floor) = outbox.accept(user: user, pushID: UInt64(n), body: "p\(n)", now: now, sent: user == "bob")
            #expect(seq == plain.accept(user: user, pushID: UInt64(n), body: "p\(n)", now: now))
            #expect(floor == plain.floor(user: user))
        }
        outbox.ack(user: "alice", upTo: 2)
        #expect(outbox.accept(user: "alice", pushID: 9, body: "p9", now: ms(50), sent: false) == (seq: 4, floor: 3))
        #expect(outbox.lastSent(user: "alice") == nil)
        #expect(outbox.lastSent(user: "bob") == ms(10))
    }

    @Test("markSent returns the pending pushes and the floor, and remembers the instant even with nothing pending")
    func markSent() {
        var outbox = PushOutbox<String>()
        outbox.accept(user: "alice", pushID: 1, body: "a", now: ms(0))
        outbox.accept(user: "alice", pushID: 2, body: "b", now: ms(1))
        outbox.ack(user: "alice", upTo: 1)
        let (pending, floor) = outbox.markSent(user: "alice", at: ms(5))
        #expect(pending.map(\.seq) == [2])
        #expect(floor == 2)
        #expect(outbox.lastSent(user: "alice") == ms(5))
        let (none, carolFloor) = outbox.markSent(user: "carol", at: ms(6))
        #expect(none.isEmpty && carolFloor == 1)
        #expect(outbox.lastSent(user: "carol") == ms(6))
        #expect(outbox.usersWithPending == ["alice"])
        #expect(outbox.floor(user: "carol") == 1 && outbox.nextSeq(user: "carol") == 1)
    }

    @Test("usersWithPending(sentAtOrBefore:) lists the due users, never-sent counting as sent at zero, sorted")
    func dueForRetransmission() {
        var outbox = PushOutbox<String>()
        outbox.accept(user: "dave", pushID: 1, body: "a", now: ms(0), sent: true)     // sent at 0
        outbox.accept(user: "bob", pushID: 2, body: "b", now: ms(0), sent: false)     // never sent
        outbox.accept(user: "alice", pushID: 3, body: "c", now: ms(300), sent: true)  // sent at 300
        _ = outbox.markSent(user: "erin", at: ms(0))                                  // nothing pending
        #expect(outbox.usersWithPending(sentAtOrBefore: ms(0)) == ["bob", "dave"])
        #expect(outbox.usersWithPending(sentAtOrBefore: ms(299)) == ["bob", "dave"])
        #expect(outbox.usersWithPending(sentAtOrBefore: ms(300)) == ["alice", "bob", "dave"])
        #expect(outbox.usersWithPending(sentAtOrBefore: ms(-1)) == [])
        outbox.ack(user: "bob", upTo: 1)
        #expect(outbox.usersWithPending(sentAtOrBefore: ms(300)) == ["alice", "dave"])
    }

    @Test("ack removes in one access what accept added, and a stale or unknown ack removes nothing")
    func ackCounts() {
        var outbox = PushOutbox<String>()
        for n in 1...4 { outbox.accept(user: "alice", pushID: UInt64(n), body: "\(n)", now: ms(Int64(n))) }
        #expect(outbox.ack(user: "alice", upTo: 2) == 2)
        #expect(outbox.ack(user: "alice", upTo: 2) == 0)
        #expect(outbox.ack(user: "nobody", upTo: 9) == 0)
        #expect(outbox.ack(user: "alice", upTo: 9) == 2)
        #expect(outbox.pendingCount == 0)
    }

    @Test("deadline marks and the last send keep their instants in 8 bytes each: none, zero, negative and late instants come back as set")
    func compactInstants() {
        #expect(MemoryLayout<DeadlineMarks>.size == 16)
        var marks = DeadlineMarks()
        #expect(marks[.retransmit] == nil && marks[.expiry] == nil)
        for ns: Int64 in [0, -5, 1, .max, Int64.min + 1] {
            marks[.retransmit] = VirtualInstant(nanoseconds: ns)
            #expect(marks[.retransmit] == VirtualInstant(nanoseconds: ns) && marks[.expiry] == nil)
        }
        let lowered = marks.lower(.expiry, to: VirtualInstant(nanoseconds: 9))
        let raised = marks.lower(.expiry, to: VirtualInstant(nanoseconds: 10))
        #expect(lowered && !raised && marks[.expiry] == VirtualInstant(nanoseconds: 9))
        marks[.retransmit] = nil
        #expect(marks[.retransmit] == nil && marks[.expiry] == VirtualInstant(nanoseconds: 9))
        var outbox = PushOutbox<String>()
        outbox.accept(user: "u", pushID: 1, body: "x", now: VirtualInstant(nanoseconds: 0))
        #expect(outbox.lastSent(user: "u") == nil)
        _ = outbox.markSent(user: "u", at: VirtualInstant(nanoseconds: 0))
        #expect(outbox.lastSent(user: "u") == VirtualInstant(nanoseconds: 0), "sent at zero is not never")
    }
}

@Suite("VerifiedTokenCache")
struct VerifiedTokenCacheTests {
    let claims = TokenClaims(sub: "alice", iat: 1, exp: 100)

    @Test("a remembered token is found; a token sharing its last eight bytes is not")
    func fingerprintCollisionIsAMiss() {
        var cache = VerifiedTokenCache()
        let token = "header.payload.signatureABCDEFGH"
        let forged = "header.forged!!.signatureABCDEFGH"
        #expect(VerifiedTokenCache.fingerprint(token) == VerifiedTokenCache.fingerprint(forged))
        cache.remember(token, claims)
        #expect(cache.claims(for: token) == claims)
        #expect(cache.claims(for: forged) == nil)
        #expect(cache.claims(for: "other.token.value") == nil)
    }

    @Test("a fingerprint is the token's last eight bytes, big-endian; a shorter token's starts with its length")
    func fingerprintValue() {
        #expect(VerifiedTokenCache.fingerprint("xx.ABCDEFGH") == 0x4142_4344_4546_4748)
        #expect(VerifiedTokenCache.fingerprint("ab") == (2 << 16 | 0x61 << 8 | 0x62))
        #expect(VerifiedTokenCache.fingerprint("") == 0)
        // A non-ASCII tail counts its UTF-8 bytes, as the view does.
        #expect(VerifiedTokenCache.fingerprint("é1234567") == 0xA9_31_32_33_34_35_36_37)
    }

    @Test("short tokens get distinct fingerprints; the cache starts afresh at its limit")
    func shortTokensAndLimit() {
        #expect(VerifiedTokenCache.fingerprint("ab") != VerifiedTokenCache.fingerprint("\0ab"))
        var cache = VerifiedTokenCache(limit: 2)
        cache.remember("token-1", claims)
        cache.remember("token-2", claims)
        #expect(cache.count == 2)
        cache.remember("token-3", claims)
        #expect(cache.count == 1)
        #expect(cache.claims(for: "token-1") == nil && cache.claims(for: "token-3") == claims)
    }

    @Test("each token's claims come back whole: its push frontend and group kept once per distinct pair, also after a replacement and a fresh start")
    func claimsComeBackWhole() {
        var cache = VerifiedTokenCache(limit: 5)
        let all = [TokenClaims(sub: "u1", iat: 1, exp: 10), TokenClaims(sub: "u2", iat: 2, exp: 20, push: "frontend-1"),
                   TokenClaims(sub: "u3", iat: 3, exp: 30, push: "frontend-1", grp: "g"),
                   TokenClaims(sub: "u4", iat: 4, exp: 40, grp: "g")]
        for (i, c) in all.enumerated() { cache.remember("t\(i).ABCDEFGH\(i)", c) }
        for (i, c) in all.enumerated() { #expect(cache.claims(for: "t\(i).ABCDEFGH\(i)") == c) }
        // The same fingerprint: the entry is replaced, claims and all.
        let renewed = TokenClaims(sub: "u1", iat: 5, exp: 50, push: "frontend-2", grp: "g")
        cache.remember("t9.ABCDEFGH0", renewed)
        #expect(cache.claims(for: "t9.ABCDEFGH0") == renewed && cache.claims(for: "t0.ABCDEFGH0") == nil)
        #expect(cache.claims(for: "t2.ABCDEFGH2") == all[2])
        // At the limit the cache starts afresh; what it keeps next is whole.
        cache.remember("t7.ABCDEFGH7", all[1])
        #expect(cache.count == 5 && cache.claims(for: "t7.ABCDEFGH7") == all[1])
        cache.remember("t8.ABCDEFGH8", all[3])
        #expect(cache.count == 1 && cache.claims(for: "t8.ABCDEFGH8") == all[3] && cache.claims(for: "t2.ABCDEFGH2") == nil)
    }
}
