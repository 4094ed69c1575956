import Testing
@testable import ClusterSim

/// The simulator's ready-work queue (`RunQueue`): first in, first out across wrap-around and
/// growth, elements moved out (never left behind), and what is still queued released with it.
@Suite("RunQueue: FIFO over a growing ring")
struct RunQueueTests {
    /// Counts live instances, to see that the queue neither leaks nor double-frees.
    final class Tracked {
        nonisolated(unsafe) static var live = 0
        let value: Int
        init(_ value: Int) { self.value = value; Tracked.live += 1 }
        deinit { Tracked.live -= 1 }
    }

    @Test("elements come out in the order they went in, across wrap-around and growth")
    func fifoAcrossWrapAndGrowth() {
        var queue = RunQueue<Int>(capacity: 4)
        var next = 0, expected = 0
        // Interleave so the head walks around the ring before each growth.
        for round in 1...6 {
            for _ in 0..<(round * 3) { queue.append(next); next += 1 }
            for _ in 0..<(round * 2) {
                #expect(queue.popFirst() == expected)
                expected += 1
            }
        }
        while let value = queue.popFirst() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == next)
        #expect(queue.isEmpty && queue.count == 0)
        #expect(queue.popFirst() == nil)
    }

    @Test("popped elements are moved out; queued ones are released with the queue")
    func ownership() {
        Tracked.live = 0
        do {
            var queue = RunQueue<Tracked>(capacity: 2)
            for i in 0..<9 { queue.append(Tracked(i)) }
            for i in 0..<4 { #expect(queue.popFirst()?.value == i) }
            #expect(Tracked.live == 5)
            #expect(queue.count == 5)
        }
        #expect(Tracked.live == 0)
    }
}
