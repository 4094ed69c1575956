import NetModel

/// The pending events of a run, taken off in (instant, insertion sequence) order, so events at
/// the same instant run in the order they were scheduled.
///
/// Each event is one 128-bit key — instant in the high 64 bits, then a 36-bit sequence number,
/// a 4-bit target and a 24-bit token — so ordering is a single integer comparison and moving one
/// is 16 bytes. An event for a registered target (`.target(t, token:)` with t below 15 and a
/// token below 2²⁴: every network delivery and node timer) is wholly in its key, target + 1 in the
/// target bits; any other action lives in a slot pool (moved, never copied), target bits 0 and the
/// token its slot. The sequence numbers are unique, so the bits below them never decide the order.
///
/// Only the events of the current bucket of time (2¹⁹ ns, about 0.5 ms) and earlier are in the
/// 4-ary min-heap; later ones wait unsorted in a ring of 32,768 buckets (about 17 s ahead), and the
/// rest beyond it in one far list, moved into the ring once a revolution. The heap stays the size
/// of a few milliseconds of events, so it stays in the cache at any scale (with every pending
/// event in one heap, its pops missed the cache on every level at 100,000 clients). The keys are
/// totally ordered, so the events come out exactly as one heap would give them. (Buckets of 4.2,
/// 1, 0.5 and 0.25 ms were measured side by side on `bench sim` and the 10,000-client mix: 0.5 ms
/// was the fastest or within the noise of it.)
///
/// A run has one, never copied: copies would share the ring and the slot pool (classes).
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

    /// A bucket is 2^bucketShift nanoseconds of virtual time.
    static let bucketShift: Int64 = 19
    /// Buckets in the ring (a power of two).
    static let ringSize: Int64 = 32768

    /// The heap: every pending event whose bucket is `current` or earlier.
    private var keys: [UInt128] = []
    /// The bucket the heap has reached.
    private var current: Int64 = 0
    /// Buckets `current + 1 ... current + ringSize`, each at index bucket mod `ringSize`, unsorted.
    private let ring = BucketRing(size: Int(EventHeap.ringSize))
    /// Events of buckets beyond the ring, unsorted.
    private var far: [UInt128] = []
    private let actions = SlotPool<Action>(capacity: 1024)

    var isEmpty: Bool { count == 0 }
    var count: Int { keys.count + ring.count + far.count }
    /// The instant of the earliest event (moving the next bucket into the heap if it is empty).
    var firstInstant: Int64? {
        mutating get {
            guard !keys.isEmpty || refill() else { return nil }
            return Int64(truncatingIfNeeded: keys[0] >> 64)
        }
    }

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
        let key = UInt128(UInt64(at)) << 64 | UInt128(seq << 28 | low)
        let bucket = at >> Self.bucketShift
        if bucket <= current {
            keys.append(key)
            keys.withUnsafeMutableBufferPointer { $0.siftUpLast() }
        } else if bucket - current <= Self.ringSize {
            ring.append(key, to: Int(truncatingIfNeeded: bucket))
        } else {
            far.append(key)
        }
    }

    /// Removes the earliest event.
    /// - Returns: its instant and action, or nil when empty.
    mutating func pop() -> (at: Int64, action: Action)? {
        guard !keys.isEmpty || refill() else { return nil }
        let top = keys[0]
        let last = keys.removeLast()
        keys.withUnsafeMutableBufferPointer { $0.replaceTop(with: last) }
        let low = UInt64(truncatingIfNeeded: top)
        let token = Int(truncatingIfNeeded: low & 0xFF_FFFF)
        let target = Int(truncatingIfNeeded: (low >> 24) & 0xF)
        let action: Action = target != 0 ? .target(target - 1, token: token) : actions.take(token)!
        return (Int64(truncatingIfNeeded: top >> 64), action)
    }

    /// Removes the inline events of registered target `target` whose token `remove` accepts (it
    /// is asked once for each of them, in no particular order), then restores the heap order.
    /// The other events keep their keys, so they come out exactly as they would have.
    /// - Returns: how many were removed.
    mutating func removeEvents(target: Int, where remove: (Int) -> Bool) -> Int {
        guard UInt(bitPattern: target) < 15 else { return 0 }
        let tag = UInt64(target + 1)
        let isRemoved = { (key: UInt128) -> Bool in
            let low = UInt64(truncatingIfNeeded: key)
            return (low >> 24) & 0xF == tag && remove(Int(truncatingIfNeeded: low & 0xFF_FFFF))
        }
        let before = count
        let heapBefore = keys.count
        keys.removeAll(where: isRemoved)
        if keys.count != heapBefore { keys.withUnsafeMutableBufferPointer { $0.heapify() } }
        ring.removeAll(where: isRemoved)
        far.removeAll(where: isRemoved)
        return before - count
    }

    /// Moves the next bucket that has events into the (empty) heap.
    /// - Returns: false when no event is pending at all.
    private mutating func refill() -> Bool {
        while keys.isEmpty {
            if ring.count == 0 {
                guard let nearest = far.min() else { return false }
                // Nothing in the ring: jump to just before the far list's earliest bucket.
                current = (Int64(truncatingIfNeeded: nearest >> 64) >> Self.bucketShift) - 1
                moveFarIntoRing()
            }
            current += 1
            ring.drain(Int(truncatingIfNeeded: current), into: &keys)
            if keys.count > 1 { keys.withUnsafeMutableBufferPointer { $0.heapify() } }
            // Once a revolution (after the slot is emptied: it now stands for bucket
            // current + ringSize), the far events that came within reach move into the ring.
            if current & (Self.ringSize - 1) == 0 { moveFarIntoRing() }
        }
        return true
    }

    /// Moves the far events whose bucket is within `current + ringSize` into the ring.
    private mutating func moveFarIntoRing() {
        guard !far.isEmpty else { return }
        let horizon = current + Self.ringSize
        var kept: [UInt128] = []
        for key in far {
            let bucket = Int64(truncatingIfNeeded: key >> 64) >> Self.bucketShift
            if bucket <= horizon {
                ring.append(key, to: Int(truncatingIfNeeded: bucket))
            } else {
                kept.append(key)
            }
        }
        far = kept
    }
}
