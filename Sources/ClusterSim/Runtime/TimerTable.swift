import NetModel

/// The pending node timers of a run, as data: each armed timer sits in a slot of a pool until it
/// fires or is cancelled, and the simulator's heap holds only its 16-byte key (the timer target
/// and the slot), so arming a timer allocates nothing of the simulator's own.
///
/// Ids are handed out from 1 in arming order (they are the `timer` events' message ids in the
/// trace). A cancelled timer gives its call back at once (whatever the closure holds is freed
/// then, not at its instant); its slot stays reserved, marked dead, until its key leaves the heap
/// — when its instant comes (`fire` says nil) or when the run drops dead keys early
/// (`needsSweep`, then `sweep` for each of the timer keys on the heap).
struct TimerTable<Call> {
    /// One armed timer.
    private struct Armed {
        let id: UInt64
        /// Nil once cancelled.
        var call: Call?
    }

    private let slots = SlotPool<Armed>(capacity: 256)
    /// The id the next armed timer gets.
    private(set) var nextID: UInt64 = 1
    /// Cancelled timers whose keys are still on the heap.
    private(set) var dead = 0

    /// Arms a timer that will run `call`.
    /// - Returns: its id and its slot (the token of its heap key).
    mutating func arm(_ call: consuming Call) -> (id: UInt64, slot: Int) {
        let id = nextID
        nextID += 1
        return (id, slots.insert(Armed(id: id, call: call)))
    }

    /// Cancels the timer `id` armed in `slot`: its call is released now.
    /// - Returns: whether it was pending (false once fired or cancelled).
    mutating func cancel(id: UInt64, slot: Int) -> Bool {
        let cancelled = slots.modify(slot) { armed -> Bool in
            guard armed.id == id, armed.call != nil else { return false }
            armed.call = nil
            return true
        } ?? false
        if cancelled { dead += 1 }
        return cancelled
    }

    /// The instant of the timer in `slot` has come: frees the slot.
    /// - Returns: its id and call, or nil if it was cancelled.
    mutating func fire(slot: Int) -> (id: UInt64, call: Call)? {
        guard let armed = slots.take(slot) else { return nil }
        guard let call = armed.call else {
            dead -= 1
            return nil
        }
        return (armed.id, call)
    }

    /// Whether dead keys are at least half of the `pendingEvents` on the heap (and many):
    /// sweeping them then costs less than they would cost left in place.
    func needsSweep(pendingEvents: Int) -> Bool { dead >= 1024 && dead * 2 >= pendingEvents }

    /// Lets the key of the timer in `slot` leave the heap early if the timer was cancelled: frees
    /// the slot.
    /// - Returns: whether it was cancelled (the key may go).
    mutating func sweep(slot: Int) -> Bool {
        guard slots.peek(slot, { $0.call == nil }) == true else { return false }
        _ = slots.take(slot)
        dead -= 1
        return true
    }

    /// Timers armed and not yet fired or swept (cancelled ones included).
    var count: Int { slots.count }
}
