extension Actor {
    /// Runs `operation` isolated to this actor, without a hop, from the simulator's event loop.
    ///
    /// The one place the simulator steps around the executor: its event loop runs on the driver
    /// thread that owns the single executor every node actor shares, so the loop *is* the actor's
    /// executor and the call is as isolated as a job would be — without allocating a job, a
    /// continuation or a closure per call. Every call checks that the caller is the driver thread
    /// (`SimExecutor.checkIsolated`: one atomic load and a thread-id comparison, in release builds
    /// too) and stops the process otherwise. `callIsolated` is its allocation-free twin for
    /// escaping functions (closure timers); deliveries and token timers go to the node itself
    /// (`SimReceiver`, `TokenTimerTarget.timerFiredOnSimulatorLoop`).
    ///
    /// Why a cast and not `assumeIsolated`: the standard function does the same check, but Swift 6's
    /// region isolation treats the closures and arguments passed into it as sent to the actor, which
    /// non-`Sendable` timer bodies, inspections and test callbacks are not; and on the event loop,
    /// where no executor is current, it first asks the runtime for the current executor and
    /// whether it is the main one before falling back to this check (2.2% of 11-mixed-1000's
    /// instructions when the delivery path used it; docs/determinism.md, "Speed").
    nonisolated func withSimulatorIsolation<T>(_ executor: SimExecutor, _ operation: (isolated Self) -> T) -> T {
        executor.checkIsolated()
        return withoutActuallyEscaping(operation) { (fn: @escaping (isolated Self) -> T) -> T in
            unsafeBitCast(IsolatedOperation(body: fn), to: PlainOperation<Self, T>.self).body(self)
        }
    }

    /// Calls an escaping isolated function, such as a timer's body, isolated to this actor without
    /// a hop, from the simulator's event loop, checked as `withSimulatorIsolation` is. A cast of
    /// its own: going through `withSimulatorIsolation` wraps `body` twice (two allocations per
    /// call, +0.5% instructions on 11-mixed-1000 for the timers alone).
    nonisolated func callIsolated(_ executor: SimExecutor, _ body: @escaping (isolated Self) -> Void) {
        executor.checkIsolated()
        unsafeBitCast(IsolatedCall(body: body), to: PlainCall<Self>.self).body(self)
    }
}

// The casts above reinterpret a struct holding the function, not the function value itself: a
// function value cast with `unsafeBitCast` goes through its most general representation, so every
// cast allocated a reabstraction thunk (and every later call went through it). 115,000
// allocations in 11-mixed-1000 from the timers and one-call steps alone; a stand-alone loop of
// 100,000 casts measured 53.4 M instructions that way and 27.3 M this way (callgrind). Each pair
// has the same layout: one function whose first parameter is the actor, isolated or not.

/// An isolated function returning a value, as stored.
private struct IsolatedOperation<A: Actor, T> { let body: (isolated A) -> T }
/// The same function seen as a plain one.
private struct PlainOperation<A: Actor, T> { let body: (A) -> T }
/// An isolated function returning nothing, as stored (not `IsolatedOperation<A, Void>`: storing a
/// `-> Void` function where the result type is generic reabstracts it, an allocation again).
private struct IsolatedCall<A: Actor> { let body: (isolated A) -> Void }
/// The same function seen as a plain one.
private struct PlainCall<A: Actor> { let body: (A) -> Void }
