@testable import Nodes
import Testing

@Suite("PendingTimers: a shell's timers as data, by token")
struct PendingTimersTests {
    @Test("each timer comes back once, under its own token, whatever the order")
    func takeByToken() {
        var timers = PendingTimers<String>()
        let a = timers.add("a"), b = timers.add("b"), c = timers.add("c"), d = timers.add("d")
        #expect(Set([a, b, c, d]).count == 4, "tokens are unique")
        #expect(timers.take(b) == "b")
        #expect(timers.take(b) == nil, "taken once")
        #expect(timers.take(a) == "a")
        let e = timers.add("e")
        #expect(!Set([a, b, c, d]).contains(e), "a token is never handed out twice")
        #expect(timers.take(a) == nil, "a stale token does not take the timer armed since in its slot")
        #expect(timers.take(d) == "d")
        #expect(timers.take(999) == nil)
        #expect(timers.take(e) == "e")
        #expect(timers.take(c) == "c")
        #expect(timers.count == 0)
    }

    @Test("against a dictionary under random traffic; the room left by a burst is given back")
    func matchesAReference() {
        var timers = PendingTimers<Int>()
        var reference: [UInt64: Int] = [:]
        var tokens: [UInt64] = []   // the pending tokens, for a random pick
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for step in 0..<6_000 {
            // Mostly adds up to step 2,000 (a burst of 300 at its end), then mostly takes.
            let adding = (1_700..<2_000).contains(step) || next() % 3 < (step < 2_000 ? 2 : 1)
            if adding || tokens.isEmpty {
                let token = timers.add(step)
                reference[token] = step
                tokens.append(token)
            } else {
                let i = Int(next() % UInt64(tokens.count))
                tokens.swapAt(i, tokens.count - 1)
                let token = tokens.removeLast()
                #expect(timers.take(token) == reference.removeValue(forKey: token))
            }
            #expect(timers.count == reference.count)
        }
        for token in reference.keys.sorted() { #expect(timers.take(token) == reference[token]) }
        #expect(timers.count == 0)
        #expect(timers.capacity <= 16, "the burst's room was given back (capacity \(timers.capacity))")
    }

    @Test("a client's timer is at most 32 bytes: its large cases are boxed")
    func clientTimerSize() {
        // Every pending timer of every client is one of these in a slot (with its token).
        #expect(MemoryLayout<ClientCore.Timer>.stride <= 32, "\(MemoryLayout<ClientCore.Timer>.size)")
    }

    @Test("a client's pending timer takes a 32-byte slot (the timer and its arming count, not the whole token)")
    func clientSlotSize() {
        #expect(PendingTimers<ClientCore.Timer>.slotBytes <= 32, "\(PendingTimers<ClientCore.Timer>.slotBytes)")
    }
}
