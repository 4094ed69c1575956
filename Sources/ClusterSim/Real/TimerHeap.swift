import Foundation

/// One timer thread and one min-heap of deadlines for every timer of a process (never a task or
/// a thread per timer).
///
/// A timer's action runs on the timer thread at (or just after) its deadline, so it must be short:
/// the runtime's actions only hand work to a node's mailbox. Ties fire in the order the timers were
/// scheduled. Cancellation is the caller's business (the environment keeps the pending set), which
/// keeps the heap free of removals.
package final class TimerHeap: @unchecked Sendable {
    private struct Entry {
        var deadline: Int64
        var sequence: UInt64
        var action: () -> Void
        func precedes(_ other: Entry) -> Bool {
            (deadline, sequence) < (other.deadline, other.sequence)
        }
    }

    private let condition = NSCondition()
    private var heap: [Entry] = []
    private var sequence: UInt64 = 0
    private var stopping = false
    private var finished = false

    /// Starts the timer thread.
    package init(label: String = "timers") {
        let thread = Thread { [self] in loop() }
        thread.name = label
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Timers waiting to fire.
    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return heap.count
    }

    /// Runs `action` on the timer thread once the monotonic clock reaches `deadline`
    /// (nanoseconds of `MonotonicClock`). Dropped after `shutdown()`.
    package func schedule(at deadline: Int64, _ action: @escaping () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return }
        sequence &+= 1
        heap.append(Entry(deadline: deadline, sequence: sequence, action: action))
        siftUp(heap.count - 1)
        // Wake the thread only when the new timer is the earliest: it sleeps until the old first.
        if heap[0].sequence == sequence { condition.signal() }
    }

    /// Runs `action` after `delay` from now.
    package func schedule(after delay: Duration, _ action: @escaping () -> Void) {
        schedule(at: MonotonicClock.nanoseconds() &+ delay.nanosecondsClamped, action)
    }

    /// Stops the thread (pending timers never fire) and joins it. Idempotent.
    package func shutdown() {
        condition.lock()
        stopping = true
        heap.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        var due: [() -> Void] = []
        while true {
            condition.lock()
            while !stopping {
                guard let first = heap.first else { condition.wait(); continue }
                let now = MonotonicClock.nanoseconds()
                if first.deadline <= now { break }
                let wait = Double(first.deadline - now) / 1e9
                _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
            }
            if stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let now = MonotonicClock.nanoseconds()
            while let first = heap.first, first.deadline <= now { due.append(popFirst().action) }
            condition.unlock()
            for action in due { action() }
            due.removeAll(keepingCapacity: true)
        }
    }

    private func popFirst() -> Entry {
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    private func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func siftDown(_ index: Int) {
        var i = index
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].precedes(heap[m]) { m = l }
            if r < heap.count, heap[r].precedes(heap[m]) { m = r }
            guard m != i else { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
