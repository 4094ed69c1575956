@testable import Nodes
import Testing

@Suite("PendingTimers: free slots never trail, whichever timer is taken")
struct PendingTimersSlotTests {
    @Test("under random traffic the slots end at the last pending timer's slot, and every timer comes back once")
    func slotsEndAtTheLastPendingTimer() {
        var timers = PendingTimers<Int>()
        var reference: [UInt64: Int] = [:]
        var tokens: [UInt64] = []
        var state: UInt64 = 0xDEAD_BEEF
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        var wrong = 0
        for step in 0..<8_000 {
            // Waves: mostly adds for 200 steps, then mostly takes (last-armed, first-armed and random).
            let adding = tokens.isEmpty || next() % 4 < (step / 200 % 2 == 0 ? 3 : 1)
            if adding {
                let token = timers.add(step)
                reference[token] = step
                tokens.append(token)
            } else {
                let pick = next() % 3
                let i = pick == 0 ? tokens.count - 1 : pick == 1 ? 0 : Int(next() % UInt64(tokens.count))
                let token = tokens.remove(at: i)
                if timers.take(token) != reference.removeValue(forKey: token) { wrong += 1 }
                if timers.take(token) != nil { wrong += 1 }   // taken once
            }
            let lastSlot = reference.keys.map { Int($0 & 0xFFFF_FFFF) }.max()
            if timers.slotCount != (lastSlot.map { $0 + 1 } ?? 0) {
                wrong += 1
                Issue.record("step \(step): \(timers.slotCount) slots, the last pending timer in slot \(String(describing: lastSlot))")
            }
            if wrong > 5 { break }
        }
        #expect(wrong == 0)
        #expect(timers.count == reference.count)
    }
}
