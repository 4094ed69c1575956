extension Actor {
    /// Runs `operation` isolated to this actor without an executor hop.
    ///
    /// Only for the simulator's event loop, which runs on the driver thread that owns the single
    /// executor every node actor shares: the loop *is* the actor's executor, so the call is as
    /// isolated as a job would be, without allocating a job or a continuation. Debug builds verify
    /// that the caller is the driver thread (`SimExecutor.checkIsolated`).
    @inline(__always)
    nonisolated func withSimulatorIsolation<T>(_ executor: SimExecutor, _ operation: (isolated Self) -> T) -> T {
        assert({ executor.checkIsolated(); return true }())
        typealias Isolated = (isolated Self) -> T
        typealias Plain = (Self) -> T
        return withoutActuallyEscaping(operation) { (fn: @escaping Isolated) -> T in
            unsafeBitCast(fn, to: Plain.self)(self)
        }
    }
}
