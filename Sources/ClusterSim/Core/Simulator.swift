import NetModel

/// The deterministic simulator: one event heap in virtual time, one run queue of jobs, one
/// driver thread, one trace.
///
/// `run(until:)` alternates two steps until the deadline: run every ready job (FIFO), then take
/// the next event off the heap — ordered by (instant, insertion sequence) — set `now` to its
/// instant and run it. Nothing reads the wall clock; the outcome depends only on the seed and
/// what was scheduled. Each test builds its own simulator: there is no global state.
package final class Simulator: EventScheduler, @unchecked Sendable {
    /// The run seed every random stream derives from.
    package let seed: UInt64
    /// The executor every node actor and spawned task runs on.
    package let executor: SimExecutor
    /// The run's trace.
    package let trace: TraceRecorder
    /// The current virtual instant.
    @exclusivity(unchecked) package private(set) var now: VirtualInstant = .zero
    @exclusivity(unchecked) private var heap = EventHeap()
    @exclusivity(unchecked) private var sequence: UInt64 = 0
    @exclusivity(unchecked) private var offsets = EndpointTable<Int64>()
    @exclusivity(unchecked) private var targets: [Target] = []
    /// Events taken off the heap and run so far (cancelled sleeps and dropped events excluded).
    @exclusivity(unchecked) package private(set) var eventsRun = 0

    /// Makes a simulator for the run seeded with `seed`.
    /// - Parameter retainTrace: keep every trace event in memory (for checkers and JSON Lines);
    ///   false keeps only the running hash and the count.
    package convenience init(seed: UInt64, retainTrace: Bool = true) {
        self.init(seed: seed, retention: retainTrace ? .everything : .hashOnly)
    }

    /// Makes a simulator for the run seeded with `seed` whose trace keeps what `retention` says.
    package init(seed: UInt64, retention: TraceRetention) {
        self.seed = seed
        self.executor = SimExecutor()
        self.trace = TraceRecorder(retention: retention)
    }

    /// The clock of `node` (with its offset), or true virtual time for nil.
    package func clock(for node: NodeName? = nil) -> SimClock { SimClock(simulator: self, node: node) }

    /// The seeded stream named `stream` (a node name, "network", "workload").
    package func random(stream: String) -> SeededRandom { SeededRandom(seed: seed, stream: stream) }

    /// Runs `action` on the event loop at `instant` (or now, if `instant` is past).
    package func schedule(at instant: VirtualInstant, _ action: @escaping () -> Void) {
        sequence &+= 1
        heap.push(at: max(instant.nanoseconds, now.nanoseconds), seq: sequence, .run(action))
    }

    /// Forgets every pending event, for a run that will not go on (`ClusterRun`'s `deinit`): their
    /// closures hold nodes and environments, which hold the simulator, so a finished run's pending
    /// events would otherwise keep its whole simulation alive after its owner let go of it.
    package func discardPendingEvents() {
        heap = EventHeap()
    }

    /// Registers `callback` for events scheduled with `schedule(at:target:token:)`.
    /// - Returns: its target number (the first 15 are carried in the heap keys themselves).
    package func register(_ callback: @escaping (Int) -> Void) -> Int {
        targets.append(Target(call: callback))
        return targets.count - 1
    }

    /// Calls the registered `target` with `token` at `instant` (or now, if `instant` is past):
    /// nothing allocated, nothing but the heap key stored.
    package func schedule(at instant: VirtualInstant, target: Int, token: Int) {
        sequence &+= 1
        heap.push(at: max(instant.nanoseconds, now.nanoseconds), seq: sequence, .target(target, token: token))
    }

    /// Events on the heap, not yet run.
    package var pendingEvents: Int { heap.count }

    /// Takes the pending events of `target` whose token `isDead` accepts off the heap now, instead
    /// of at their instants (the owner of the target cancelled them: they would do nothing). The
    /// other events run exactly as before.
    /// - Returns: how many were taken off.
    @discardableResult
    package func dropEvents(target: Int, where isDead: (Int) -> Bool) -> Int {
        heap.removeEvents(target: target, where: isDead)
    }

    /// Runs `action` on the event loop `delay` from now.
    package func schedule(after delay: Duration, _ action: @escaping () -> Void) {
        schedule(at: now.advanced(by: delay), action)
    }

    func scheduleSleep(_ timer: SleepTimer, at instant: VirtualInstant) {
        sequence &+= 1
        heap.push(at: max(instant.nanoseconds, now.nanoseconds), seq: sequence, .wake(timer))
    }

    /// Starts a task that prefers the simulator's executor (its child tasks inherit that).
    /// This is the only way node and test code should create tasks in a simulated run.
    /// - Returns: the task, for cancellation or its value.
    @discardableResult
    package func spawn<T: Sendable>(_ operation: sending @escaping @isolated(any) () async -> T) -> Task<T, Never> {
        Task(executorPreference: executor, operation: operation)
    }

    /// A node's clock offset in nanoseconds (0 unless shifted).
    package func clockOffset(of node: NodeName) -> Int64 { offsets[node] ?? 0 }

    /// Shifts `node`'s clock by `offset` from true virtual time, recorded in the trace.
    package func setClockOffset(of node: NodeName, to offset: Duration) {
        offsets[node] = offset.nanosecondsClamped
        trace.record(.clockOffset, node: node, peer: nil, messageID: 0, label: "clock-offset",
                     detail: formatNanoseconds(offset.nanosecondsClamped))
    }

    /// Runs the simulation until virtual time `deadline` (events at exactly `deadline` run) or
    /// until nothing is left to do.
    /// - Returns: how the run went: the instant reached, events run, and whether any job escaped.
    @discardableResult
    package func run(until deadline: VirtualInstant) -> RunOutcome {
        executor.drive {
            while true {
                executor.runReadyJobs()
                guard let next = heap.firstInstant, next <= deadline.nanoseconds else { break }
                let (at, action) = heap.pop()!
                switch action {
                case .run(let body):
                    advance(to: at)
                    eventsRun += 1
                    body()
                case .target(let target, let token):
                    advance(to: at)
                    eventsRun += 1
                    targets[target].call(token)
                case .wake(let timer):
                    guard timer.isLive else { continue }
                    advance(to: at)
                    eventsRun += 1
                    trace.record(.timer, node: nil, peer: nil, messageID: 0, label: "sleep", detail: "")
                    timer.fire()
                }
            }
            if deadline.nanoseconds != Int64.max, now < deadline { advance(to: deadline.nanoseconds) }
        }
        return RunOutcome(reached: now, eventsRun: eventsRun, pendingEvents: heap.count,
                          foreignJobs: executor.foreignJobs)
    }

    @inline(__always)
    private func advance(to instant: Int64) {
        if instant > now.nanoseconds {
            now = VirtualInstant(nanoseconds: instant)
            trace.now = instant
        }
    }

    /// Reads (or changes) a node actor's state from outside a run — in a test or a checker after
    /// the run — by briefly becoming the driver thread. Not for use while `run` is in progress.
    /// - Returns: what `body` returns.
    package func inspect<A: Actor, T>(_ actor: A, _ body: (isolated A) -> T) -> T {
        executor.drive { actor.withSimulatorIsolation(executor, body) }
    }

    /// Runs for `duration` of virtual time from now.
    @discardableResult
    package func run(for duration: Duration) -> RunOutcome {
        run(until: now.advanced(by: duration))
    }
}

/// A registered callback. Wrapped in a struct because an array stores a bare function value in
/// its most general form: every call went through a reabstraction thunk (measured on the
/// delivery path of `bench sim`); a struct field keeps the function as written.
private struct Target {
    let call: (Int) -> Void
}

/// What a call to `Simulator.run(until:)` did.
package struct RunOutcome: Sendable, Equatable {
    /// The virtual instant reached.
    package let reached: VirtualInstant
    /// Events run since the simulator was made.
    package let eventsRun: Int
    /// Events still on the heap (after the deadline).
    package let pendingEvents: Int
    /// Jobs that escaped to other threads.
    package let foreignJobs: ForeignJobs

    /// Whether the run kept to the simulator's executor.
    package var isClean: Bool { foreignJobs.count == 0 }
}
