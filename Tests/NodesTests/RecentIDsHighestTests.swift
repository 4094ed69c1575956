@testable import Nodes
import Testing

@Suite("RecentIDs: an id above its prefix's highest counter is new without a scan; the same answers as a plain FIFO")
struct RecentIDsHighestTests {
    /// The last `capacity` distinct ids, oldest first: what `RecentIDs` remembers, without its tricks.
    struct PlainFIFO {
        var ids: [UInt64] = []
        let capacity: Int
        func contains(_ id: UInt64) -> Bool { ids.contains(id) }
        mutating func insert(_ id: UInt64) -> Bool {
            guard !ids.contains(id) else { return false }
            ids.append(id)
            if ids.count > capacity { ids.removeFirst() }
            return true
        }
    }

    @Test("random ids of several prefixes: mostly increasing per prefix, with repeats, late and old ids, and (when `turnsWide`) a counter too large for 4 bytes",
          arguments: [(1, false), (4, false), (16, false), (256, false), (16, true)])
    func matchesPlainFIFO(capacity: Int, turnsWide: Bool) {
        var state: UInt64 = 0x1234_5678_9ABC_DEF0 ^ UInt64(capacity)
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % bound
        }
        var ids = RecentIDs(capacity: capacity)
        var plain = PlainFIFO(capacity: capacity)
        let prefixes: [UInt64] = [1, 7, 0x8000_0001, 0xFFFF_FFFF, 42]
        var counters: [UInt64] = [0, 5, 1_000, (1 << 24) - 40, 3]   // one prefix runs up to the 24-bit limit
        var wrong = 0
        for step in 0..<6_000 {
            let p = Int(next(UInt64(prefixes.count)))
            let roll = next(100)
            var counter: UInt64
            switch roll {
            case 0..<55:
                counters[p] += 1 + next(3) / 2   // new, sometimes skipping one
                counter = counters[p]
            case 55..<75:
                counter = counters[p] - min(counters[p], next(UInt64(2 * capacity + 2)))   // a repeat or a late one
            case 75..<85:
                counter = counters[p] + 1 + next(3)   // ahead of the prefix's newest (then the newest is passed)
            case 85..<95:
                counter = next(counters[p] + 1)   // anything the prefix had
            default:
                counter = counters[p] - min(counters[p], 1)
            }
            if !turnsWide { counter = min(counter, (1 << 24) - 1) }
            let id = prefixes[p] << 32 | counter
            if ids.contains(id) != plain.contains(id) {
                wrong += 1
                Issue.record("step \(step): contains(\(id)) is \(ids.contains(id)), the FIFO's \(plain.contains(id))")
            }
            let got = ids.insert(id), want = plain.insert(id)
            if got != want {
                wrong += 1
                Issue.record("step \(step): insert(\(id)) gave \(got), the FIFO \(want)")
            }
            if ids.count != plain.ids.count { wrong += 1 }
            if wrong > 5 { break }
        }
        #expect(wrong == 0)
        if turnsWide { #expect(ids.holdsWide, "a counter of 2^24 turned the ring wide") }
        for id in plain.ids { #expect(ids.contains(id)) }
    }

    @Test("the newest id of a prefix is still found (its counter is the highest, not above it); one above it is not")
    func newestFound() {
        var ids = RecentIDs(capacity: 8)
        for counter: UInt64 in [3, 9, 5] {
            let inserted = ids.insert(7 << 32 | counter)
            #expect(inserted)
        }
        #expect(ids.contains(7 << 32 | 9))
        let repeated = ids.insert(7 << 32 | 9)
        #expect(!repeated)
        #expect(!ids.contains(7 << 32 | 10))
        #expect(ids.contains(7 << 32 | 5))
        #expect(!ids.contains(8 << 32 | 9), "another prefix")
        let above = ids.insert(7 << 32 | 10)
        #expect(above)
    }
}
