import NetModel

/// A 4-ary min-heap of scheduled events ordered by (instant, insertion sequence), so events at
/// the same instant run in the order they were scheduled.
///
/// Each heap entry is one 128-bit key — instant in the high 64 bits, then a 36-bit sequence number,
/// a 4-bit target and a 24-bit token — so ordering is a single integer comparison and sifting
/// moves 16 bytes. An event for a registered target (`.target(t, token:)` with t below 15 and a
/// token below 2²⁴: every network delivery and node timer) is wholly in its key, target + 1 in the
/// target bits; any other action lives in a slot pool (moved, never copied), target bits 0 and the
/// token its slot. The sequence numbers are unique, so the bits below them never decide the order.
struct EventHeap {
    /// What an event does when its instant comes.
    enum Action {
        /// Run a closure.
        case run(() -> Void)
        /// Call a registered target with a token.
        case target(Int, token: Int)
        /// Wake a clock sleep; a cancelled one is skipped without advancing time.
        case wake(SleepTimer)
    }

    private var keys: [UInt128] = []
    private let actions = SlotPool<Action>(capacity: 1024)

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
    /// The instant of the earliest event.
    var firstInstant: Int64? { keys.first.map { Int64(truncatingIfNeeded: $0 >> 64) } }

    /// Adds an event. `at` must not be negative; `seq` must be below 2³⁶ and fewer than 2²⁴
    /// events that are not inline targets may be pending at once.
    mutating func push(at: Int64, seq: UInt64, _ action: consuming Action) {
        let low: UInt64
        if case .target(let target, let token) = action, UInt(bitPattern: target) < 15, UInt(bitPattern: token) < 1 << 24 {
            low = UInt64(target + 1) << 24 | UInt64(token)
        } else {
            let slot = actions.insert(action)
            precondition(slot < 1 << 24, "event heap limits exceeded")
            low = UInt64(slot)
        }
        precondition(seq < 1 << 36 && at >= 0, "event heap limits exceeded")
        let e = UInt128(UInt64(at)) << 64 | UInt128(seq << 28 | low)
        keys.append(e)
        keys.withUnsafeMutableBufferPointer { k in
            var child = k.count - 1
            while child > 0 {
                let parent = (child - 1) >> 2
                guard e < k[parent] else { break }
                k[child] = k[parent]
                child = parent
            }
            k[child] = e
        }
    }

    /// Removes the inline events of registered target `target` whose token `remove` accepts (it
    /// is asked once for each of them, in no particular order), then restores the heap order.
    /// The other events keep their keys, so they come out exactly as they would have.
    /// - Returns: how many were removed.
    mutating func removeEvents(target: Int, where remove: (Int) -> Bool) -> Int {
        guard UInt(bitPattern: target) < 15 else { return 0 }
        let tag = UInt64(target + 1)
        let before = keys.count
        keys.removeAll { key in
            let low = UInt64(truncatingIfNeeded: key)
            return (low >> 24) & 0xF == tag && remove(Int(truncatingIfNeeded: low & 0xFF_FFFF))
        }
        guard keys.count != before else { return 0 }
        keys.withUnsafeMutableBufferPointer { k in
            let n = k.count
            guard n > 1 else { return }
            // Floyd's heap construction: sift every internal node down, the last one first.
            var start = (n - 2) >> 2
            while start >= 0 {
                let e = k[start]
                var i = start
                while true {
                    let first = 4 * i + 1
                    if first >= n { break }
                    var c = first
                    for j in first + 1 ..< min(first + 4, n) where k[j] < k[c] { c = j }
                    guard k[c] < e else { break }
                    k[i] = k[c]
                    i = c
                }
                k[i] = e
                start -= 1
            }
        }
        return before - keys.count
    }

    /// Removes the earliest event.
    /// - Returns: its instant and action, or nil when empty.
    mutating func pop() -> (at: Int64, action: Action)? {
        guard let top = keys.first else { return nil }
        let last = keys.removeLast()
        keys.withUnsafeMutableBufferPointer { k in
            let n = k.count
            guard n > 0 else { return }
            // Bottom-up: walk the hole down along the smallest children to a leaf, then sift
            // `last` up from there — fewer comparisons than testing `last` at every level.
            var i = 0
            while true {
                let first = 4 * i + 1
                var c: Int
                if first + 3 < n {
                    // All four children (the common case): a small tournament, no loop.
                    let left = k[first + 1] < k[first] ? first + 1 : first
                    let right = k[first + 3] < k[first + 2] ? first + 3 : first + 2
                    c = k[right] < k[left] ? right : left
                } else {
                    if first >= n { break }
                    c = first
                    for j in first + 1 ..< n where k[j] < k[c] { c = j }
                }
                k[i] = k[c]
                i = c
            }
            while i > 0 {
                let parent = (i - 1) >> 2
                guard last < k[parent] else { break }
                k[i] = k[parent]
                i = parent
            }
            k[i] = last
        }
        let low = UInt64(truncatingIfNeeded: top)
        let token = Int(truncatingIfNeeded: low & 0xFF_FFFF)
        let target = Int(truncatingIfNeeded: (low >> 24) & 0xF)
        let action: Action = target != 0 ? .target(target - 1, token: token) : actions.take(token)!
        return (Int64(truncatingIfNeeded: top >> 64), action)
    }
}
