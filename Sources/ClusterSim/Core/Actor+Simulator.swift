extension Actor {
    /// Turns an actor-isolated function into a plain callback that the simulator's event loop can
    /// call without an executor hop.
    ///
    /// Only for the simulator: its event loop runs on the driver thread that owns the single
    /// executor every node actor shares, so the loop *is* the actor's executor and the call is as
    /// isolated as a job would be — without allocating a job, a continuation or a closure per call
    /// (the callback is made once). Debug builds check that the caller is the driver thread.
    /// The callback holds the actor strongly.
    nonisolated func simulatorCallback<A>(on executor: SimExecutor,
                                          _ body: @escaping (isolated Self, A) -> Void) -> (A) -> Void {
        typealias Plain = (Self, A) -> Void
        let plain = unsafeBitCast(body, to: Plain.self)
        return { argument in
            assert({ executor.checkIsolated(); return true }())
            plain(self, argument)
        }
    }

    /// Runs `operation` isolated to this actor, without a hop, from the simulator's event loop
    /// (see `simulatorCallback`). For one-off calls; hot paths use a callback made once.
    nonisolated func withSimulatorIsolation<T>(_ executor: SimExecutor, _ operation: (isolated Self) -> T) -> T {
        assert({ executor.checkIsolated(); return true }())
        typealias Isolated = (isolated Self) -> T
        typealias Plain = (Self) -> T
        return withoutActuallyEscaping(operation) { (fn: @escaping Isolated) -> T in
            unsafeBitCast(fn, to: Plain.self)(self)
        }
    }

    /// Calls an escaping isolated function, such as a timer's body, isolated to this actor without
    /// a hop, from the simulator's event loop (see `simulatorCallback`). Unlike
    /// `withSimulatorIsolation` it wraps nothing, so it allocates nothing per call.
    nonisolated func callIsolated(_ executor: SimExecutor, _ body: @escaping (isolated Self) -> Void) {
        assert({ executor.checkIsolated(); return true }())
        typealias Plain = (Self) -> Void
        unsafeBitCast(body, to: Plain.self)(self)
    }
}
