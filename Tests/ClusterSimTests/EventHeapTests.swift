@testable import ClusterSim
import NetModel
import Testing

/// The event heap against a sorted list: the same events must come out in (instant, sequence)
/// order, whatever the interleaving of pushes and pops.
@Suite("EventHeap")
struct EventHeapTests {
    /// A reference queue: (instant, seq) pairs kept sorted.
    struct Reference {
        var items: [(at: Int64, seq: UInt64)] = []
        mutating func push(_ at: Int64, _ seq: UInt64) {
            let i = items.firstIndex { ($0.at, $0.seq) > (at, seq) } ?? items.count
            items.insert((at, seq), at: i)
        }
        mutating func pop() -> (at: Int64, seq: UInt64)? { items.isEmpty ? nil : items.removeFirst() }
    }

    /// Pops one event from each and checks they agree; returns the instant popped.
    @discardableResult
    static func popBoth(_ heap: inout EventHeap, _ reference: inout Reference) -> Int64? {
        let expected = reference.pop()
        let got = heap.pop()
        #expect(got?.at == expected?.at)
        if case .target(_, let token)? = got?.action {
            #expect(UInt64(token) == expected?.seq)
        } else {
            #expect(got == nil && expected == nil)
        }
        return got?.at
    }

    @Test("random pushes at or after the last popped instant come out in (instant, sequence) order", arguments: [1, 2, 3, 4])
    func monotonePushes(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var heap = EventHeap(), reference = Reference()
        var now: Int64 = 0, seq: UInt64 = 0
        for _ in 0..<6_000 {
            if random.next() % 3 != 0 || heap.isEmpty {
                seq += 1
                // Mostly near-future deliveries, some far timers, some at the same instant.
                let delay: Int64 = switch random.next() % 4 {
                case 0: 0
                case 1: Int64(random.next() % 5_000_000)
                case 2: Int64(random.next() % 2_000_000_000)
                default: Int64(random.next() % 1_000)
                }
                heap.push(at: now + delay, seq: seq, .target(0, token: Int(seq)))
                reference.push(now + delay, seq)
            } else {
                now = Self.popBoth(&heap, &reference) ?? now
            }
            #expect(heap.count == reference.items.count)
        }
        while !heap.isEmpty { Self.popBoth(&heap, &reference) }
        #expect(heap.pop() == nil && reference.items.isEmpty)
    }

    @Test("events far beyond the ring (minutes ahead), long idle gaps and pushes into every tier come out in order", arguments: [7, 8, 9] as [UInt64])
    func farEventsAndGaps(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var heap = EventHeap(), reference = Reference()
        var now: Int64 = 0, seq: UInt64 = 0
        let ring = EventHeap.ringSize << EventHeap.bucketShift   // the ring's span in nanoseconds
        for step in 0..<8_000 {
            if random.next() % 5 < 3 || heap.isEmpty {
                seq += 1
                let delay: Int64 = switch random.next() % 6 {
                case 0: 0
                case 1: Int64(random.next() % 8_000_000)                 // this bucket or the next
                case 2: Int64(random.next() % UInt64(ring))               // anywhere in the ring
                case 3: ring - 2_000_000 + Int64(random.next() % 4_000_000)   // the ring's edge
                case 4: Int64(random.next() % UInt64(20 * ring))          // far, up to 20 revolutions
                default: Int64(random.next() % 1_000)
                }
                heap.push(at: now + delay, seq: seq, .target(0, token: Int(seq)))
                reference.push(now + delay, seq)
            } else if step % 97 == 0 {
                // Drain to empty now and then: the next pushes land after a jump.
                while !heap.isEmpty { now = Self.popBoth(&heap, &reference) ?? now }
                now += Int64(random.next() % UInt64(3 * ring))
            } else {
                now = Self.popBoth(&heap, &reference) ?? now
            }
            #expect(heap.count == reference.items.count)
        }
        while !heap.isEmpty { Self.popBoth(&heap, &reference) }
        #expect(heap.pop() == nil && reference.items.isEmpty)
    }

    @Test("an event one revolution past the bucket the heap moves to waits for the buckets before it")
    func eventOneRevolutionAhead() {
        var heap = EventHeap()
        let bucket = Int64(1) << EventHeap.bucketShift, revolution = EventHeap.ringSize * bucket
        heap.push(at: revolution, seq: 1, .target(0, token: 1))        // bucket ringSize: in the ring
        heap.push(at: 2 * revolution, seq: 2, .target(0, token: 2))    // bucket 2 ringSize: far
        #expect(heap.pop()?.at == revolution)     // the heap has moved to bucket ringSize
        heap.push(at: revolution + bucket, seq: 3, .target(0, token: 3))
        #expect(heap.pop()?.at == revolution + bucket)
        #expect(heap.pop()?.at == 2 * revolution)
        #expect(heap.pop() == nil)
    }

    @Test("a push below the instant looked at (between two runs) still comes out first")
    func pushBelowPeekedMinimum() {
        var heap = EventHeap(), reference = Reference()
        for (i, at) in [Int64(500), 900, 700, 10_000].enumerated() {
            heap.push(at: at, seq: UInt64(i + 1), .target(0, token: i + 1))
            reference.push(at, UInt64(i + 1))
        }
        #expect(heap.firstInstant == 500)
        Self.popBoth(&heap, &reference)
        #expect(heap.firstInstant == 700)   // the run stops here: 700 is past its deadline
        heap.push(at: 600, seq: 5, .target(0, token: 5))
        reference.push(600, 5)
        heap.push(at: 650, seq: 6, .target(0, token: 6))
        reference.push(650, 6)
        #expect(heap.firstInstant == 600)
        while !heap.isEmpty { Self.popBoth(&heap, &reference) }
        #expect(heap.firstInstant == nil)
    }

    @Test("a push far below the instant looked at (the heap moved on to a later bucket) still comes out first")
    func pushBelowALaterPeekedBucket() {
        var heap = EventHeap()
        heap.push(at: 10_000_000_000, seq: 1, .target(0, token: 1))   // 10 s: the heap moves on to its bucket
        #expect(heap.firstInstant == 10_000_000_000)
        heap.push(at: 1_000_000_000, seq: 2, .target(0, token: 2))    // 1 s, pushed after the look
        heap.push(at: 40_000_000_000, seq: 3, .target(0, token: 3))   // 40 s: beyond the ring from there
        #expect(heap.pop()?.at == 1_000_000_000)
        #expect(heap.pop()?.at == 10_000_000_000)
        #expect(heap.pop()?.at == 40_000_000_000)
        #expect(heap.pop() == nil)
    }

    @Test("events at one instant come out in the order they were pushed")
    func sameInstantFIFO() {
        var heap = EventHeap()
        for seq in 1...100 { heap.push(at: 42, seq: UInt64(seq), .target(0, token: seq)) }
        var order: [Int] = []
        while let (at, action) = heap.pop() {
            #expect(at == 42)
            if case .target(_, let token) = action { order.append(token) }
        }
        #expect(order == Array(1...100))
    }
}

@Suite("EventHeap: inline targets and dropped events")
struct EventHeapKeyTests {
    /// Targets and tokens in the key's range travel in the key, the others (and closures) through
    /// the slot pool: all come back as pushed, in order.
    @Test func inlineAndPooledActionsComeBackIntact() {
        var heap = EventHeap()
        let pushed: [(target: Int, token: Int)] = [(0, 0), (14, 0xFF_FFFF), (15, 7), (3, 1 << 24), (2, 12_345),
                                                   (100, 1 << 40), (0, 1)]
        var ran = 0
        for (i, p) in pushed.enumerated() {
            heap.push(at: 10, seq: UInt64(2 * i + 1), .target(p.target, token: p.token))
            heap.push(at: 10, seq: UInt64(2 * i + 2), .run({ ran += 1 }))
        }
        for p in pushed {
            guard case .target(let target, let token)? = heap.pop()?.action else { Issue.record("not a target"); return }
            #expect(target == p.target && token == p.token)
            guard case .run(let body)? = heap.pop()?.action else { Issue.record("not a closure"); return }
            body()
        }
        #expect(ran == pushed.count && heap.isEmpty)
    }

    /// Removing one target's accepted tokens leaves every other event in (instant, sequence) order.
    @Test(arguments: [5, 6] as [UInt64])
    func removedEventsLeaveTheRestInOrder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var heap = EventHeap(), reference = EventHeapTests.Reference()
        var removed = 0
        for seq in 1...5_000 as ClosedRange<UInt64> {
            let at = seq % 4 == 0 ? Int64(random.next() % 100_000_000_000) : Int64(random.next() % 1_000_000)
            // Target 1 carries the dead tokens (odd seq), target 0 the others.
            let target = seq % 3 == 0 ? 1 : 0
            heap.push(at: at, seq: seq, .target(target, token: Int(seq)))
            if target == 1 && seq % 2 == 1 { removed += 1 } else { reference.push(at, seq) }
        }
        var asked = 0
        let count = heap.removeEvents(target: 1) { token in asked += 1; return token % 2 == 1 }
        #expect(count == removed && asked == 5_000 / 3)
        #expect(heap.count == reference.items.count)
        while !heap.isEmpty { EventHeapTests.popBoth(&heap, &reference) }
        #expect(reference.items.isEmpty)
    }
}
