/// A shell's timers as data: the core's timer values armed and not yet fired, each under the
/// token the environment hands back when it is due (`NodeEnvironment.scheduleTimer(after:on:token:)`).
///
/// A client keeps a handful pending (its workload loops, the token refresh, a request's timeout);
/// kept here, a timer costs its value in one array instead of two closures on the heap (the body
/// bound to the actor, and the actor's call bound to the executor: ~150 bytes a timer).
///
/// Timers sit in slots, found by the token (the slot in its low 32 bits, a count of arming in the
/// high ones): arming fills the first free slot, firing moves the value out — a timer is never
/// copied or moved between slots (a timer of a client is a ~50-byte enum holding strings).
struct PendingTimers<Timer> {
    /// One slot: the timer armed in it last, and the low 32 bits of its token's count of arming
    /// (the token's slot part is the slot's position). 32 bytes for a client's 25-byte timer:
    /// with the whole token beside it, 40. (A stale token would match only 2³² armings later.)
    private struct Slot {
        /// Nil once fired (the slot is free).
        var timer: Timer?
        var arming: UInt32
    }

    /// The bytes a slot takes in the table.
    static var slotBytes: Int { MemoryLayout<Slot>.stride }

    private var slots: [Slot] = []
    /// How many slots hold a timer.
    private(set) var count = 0
    /// How many timers were armed (the high half of the next token).
    private var armed: UInt64 = 0

    /// The room kept for pending timers.
    var capacity: Int { slots.capacity }
    /// How many slots the table has, free ones included (the last one always holds a timer).
    var slotCount: Int { slots.count }

    /// Keeps `timer` until it is due.
    /// - Returns: its token (unique within this table).
    mutating func add(_ timer: consuming Timer) -> UInt64 {
        armed += 1
        var slot = 0
        while slot < slots.count, slots[slot].timer != nil { slot += 1 }
        let token = armed << 32 | UInt64(slot)
        if slot == slots.count {
            // Grown by half, not doubled: the room is kept per client.
            if slots.count == slots.capacity { slots.reserveCapacity(slots.count + max(2, slots.count / 2)) }
            slots.append(Slot(timer: timer, arming: UInt32(truncatingIfNeeded: armed)))
        } else {
            slots[slot] = Slot(timer: timer, arming: UInt32(truncatingIfNeeded: armed))
        }
        count += 1
        return token
    }

    /// The timer of `token` is due: hands it back and forgets it.
    /// - Returns: the timer, or nil for a token that is not pending (taken already, or never given).
    mutating func take(_ token: UInt64) -> Timer? {
        let slot = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard slot < slots.count, slots[slot].arming == UInt32(truncatingIfNeeded: token >> 32),
              let timer = slots[slot].timer.take() else { return nil }
        count -= 1
        // The last slot always holds a timer: only when it was this one do free slots trail
        // (reading the last slot otherwise cost a cache miss on most firings).
        if slot == slots.count - 1 {
            while !slots.isEmpty, slots[slots.count - 1].timer == nil { slots.removeLast() }
        }
        // A burst of timers (many requests waiting through a partition) leaves room behind: given
        // back once three quarters of it stand empty.
        if slots.capacity > 16, slots.count * 4 <= slots.capacity {
            var kept: [Slot] = []
            kept.reserveCapacity(slots.count * 2)
            kept.append(contentsOf: slots)
            slots = kept
        }
        return timer
    }
}
