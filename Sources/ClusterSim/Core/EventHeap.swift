import NetModel

/// A 4-ary min-heap of scheduled events ordered by (instant, insertion sequence), so events at
/// the same instant run in the order they were scheduled.
///
/// Each heap entry is one 128-bit key — instant in the high 64 bits, then a 40-bit sequence number
/// and a 24-bit slot — so ordering is a single integer comparison and sifting moves 16 bytes.
/// The actions live in a slot pool and are moved, never copied.
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

    /// Adds an event. `at` must not be negative; `seq` must be below 2⁴⁰ and fewer than 2²⁴
    /// events may be pending at once.
    mutating func push(at: Int64, seq: UInt64, _ action: consuming Action) {
        let slot = actions.insert(action)
        precondition(slot < 1 << 24 && seq < 1 << 40 && at >= 0, "event heap limits exceeded")
        let e = UInt128(UInt64(at)) << 64 | UInt128(seq << 24 | UInt64(slot))
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
        let action = actions.take(Int(truncatingIfNeeded: UInt64(truncatingIfNeeded: top) & 0xFF_FFFF))!
        return (Int64(truncatingIfNeeded: top >> 64), action)
    }
}
