/// A binary min-heap of scheduled events ordered by (instant, insertion sequence), so events at
/// the same instant run in the order they were scheduled.
///
/// The heap itself holds only plain 24-byte keys; the actions live in a slot table, so sifting
/// never retains or releases anything.
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

    private struct Key {
        let at: Int64
        let seq: UInt64
        let slot: Int

        @inline(__always)
        func precedes(_ other: Key) -> Bool {
            at < other.at || (at == other.at && seq < other.seq)
        }
    }

    private var keys: [Key] = []
    private var slots: [Action?] = []
    private var freeSlots: [Int] = []

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
    /// The instant of the earliest event.
    var firstInstant: Int64? { keys.first?.at }

    mutating func push(at: Int64, seq: UInt64, _ action: Action) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = action
        } else {
            slot = slots.count
            slots.append(action)
        }
        let e = Key(at: at, seq: seq, slot: slot)
        keys.append(e)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard e.precedes(keys[parent]) else { break }
            keys[child] = keys[parent]
            child = parent
        }
        keys[child] = e
    }

    /// Removes the earliest event.
    /// - Returns: its instant and action, or nil when empty.
    mutating func pop() -> (at: Int64, action: Action)? {
        guard let top = keys.first else { return nil }
        let last = keys.removeLast()
        if !keys.isEmpty {
            let n = keys.count
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = (r < n && keys[r].precedes(keys[l])) ? r : l
                guard keys[c].precedes(last) else { break }
                keys[i] = keys[c]
                i = c
            }
            keys[i] = last
        }
        let action = slots[top.slot].take()!
        freeSlots.append(top.slot)
        return (top.at, action)
    }
}
