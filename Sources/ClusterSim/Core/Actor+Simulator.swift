extension Actor {
    /// Runs `operation` isolated to this actor, without a hop, from the simulator's event loop.
    ///
    /// The one place the simulator steps around the executor: its event loop runs on the driver
    /// thread that owns the single executor every node actor shares, so the loop *is* the actor's
    /// executor and the call is as isolated as a job would be — without allocating a job, a
    /// continuation or a closure per call. Every call checks that the caller is the driver thread
    /// (`SimExecutor.checkIsolated`: one atomic load and a thread-id comparison, in release builds
    /// too) and stops the process otherwise. `simulatorCallback` and `callIsolated` are its
    /// allocation-free twins for escaping functions (the hot paths: deliveries and timers).
    ///
    /// Why a cast and not `assumeIsolated`: the standard function does the same check, but Swift 6's
    /// region isolation treats the closures and arguments passed into it as sent to the actor, which
    /// non-`Sendable` timer bodies, inspections and test callbacks are not; and on the event loop,
    /// where no executor is current, it first asks the runtime for the current executor and
    /// whether it is the main one before falling back to this check (2.2% of 11-mixed-1000's
    /// instructions when the delivery path used it; docs/determinism.md, "Speed").
    nonisolated func withSimulatorIsolation<T>(_ executor: SimExecutor, _ operation: (isolated Self) -> T) -> T {
        executor.checkIsolated()
        typealias Plain = (Self) -> T
        return withoutActuallyEscaping(operation) { (fn: @escaping (isolated Self) -> T) -> T in
            unsafeBitCast(fn, to: Plain.self)(self)
        }
    }

    /// Turns an actor-isolated function into a plain callback that the simulator's event loop can
    /// call without an executor hop, checked as `withSimulatorIsolation` is. The callback holds the
    /// actor strongly. (A cast of its own: wrapping `body` in a closure for
    /// `withSimulatorIsolation` would send `body` and its argument into the actor's region, which
    /// Swift 6 refuses for a non-`Sendable` argument.)
    nonisolated func simulatorCallback<A>(on executor: SimExecutor,
                                          _ body: @escaping (isolated Self, A) -> Void) -> (A) -> Void {
        typealias Plain = (Self, A) -> Void
        let plain = unsafeBitCast(body, to: Plain.self)
        return { argument in
            executor.checkIsolated()
            plain(self, argument)
        }
    }

    /// Calls an escaping isolated function, such as a timer's body, isolated to this actor without
    /// a hop, from the simulator's event loop, checked as `withSimulatorIsolation` is. A cast of
    /// its own: going through `withSimulatorIsolation` wraps `body` twice (two allocations per
    /// call, +0.5% instructions on 11-mixed-1000 for the timers alone).
    nonisolated func callIsolated(_ executor: SimExecutor, _ body: @escaping (isolated Self) -> Void) {
        executor.checkIsolated()
        typealias Plain = (Self) -> Void
        unsafeBitCast(body, to: Plain.self)(self)
    }
}
