import Glibc
import Synchronization

/// The simulator's executor: one run queue, drained by one driver thread.
///
/// It is both a `SerialExecutor` (node actors return it from `unownedExecutor`) and a
/// `TaskExecutor` (tasks made by `Simulator.spawn` prefer it, and their child tasks inherit the
/// preference), so every job of a simulated run lands in the same FIFO queue and runs on the
/// driver thread in a reproducible order.
///
/// A job enqueued from any other thread while the simulator runs is a *foreign* job: some code
/// escaped to the global pool (a bare `Task {}`, `Task.detached`, a Dispatch queue). It is still
/// run (so nothing hangs), but it is counted and the run is marked failed.
package final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// One unit of ready work: a job of the Swift runtime, or a node's closure (`runSoon`).
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    /// Work ready to run, in FIFO order; touched only by the driver thread while running.
    @exclusivity(unchecked) private var queue = RunQueue<Work>()
    /// The driver thread's id while a run is in progress, 0 otherwise.
    private let driver = Atomic<UInt>(0)
    /// Jobs from other threads, or from any thread while no run is in progress.
    private let inbox = Mutex<[UnownedJob]>([])
    private let inboxCount = Atomic<Int>(0)
    private let foreign = Mutex<ForeignJobs>(ForeignJobs())
    /// Told of each foreign job once it is queued (tests wait on it instead of polling).
    private let foreignObserver = Mutex<(@Sendable () -> Void)?>(nil)

    /// Creates an idle executor.
    package init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        let me = UInt(pthread_self())
        if driver.load(ordering: .relaxed) == me {
            queue.append(.job(UnownedJob(job)))
            return
        }
        let running = driver.load(ordering: .acquiring) != 0
        if running {
            let priority = job.priority.rawValue
            let thread = Self.threadName()
            foreign.withLock { $0.note(priority: priority, thread: thread) }
        }
        let unowned = UnownedJob(job)
        inbox.withLock { $0.append(unowned) }
        inboxCount.add(1, ordering: .releasing)
        if running { foreignObserver.withLock { $0 }?() }
    }

    /// Queues `body` behind the ready jobs, to run in FIFO order with them (from the driver
    /// thread only): a node's work that must come after the event being handled, exactly where a
    /// task started now would run, without the task.
    func runSoon(_ body: @escaping () -> Void) {
        checkIsolated()
        queue.append(.closure(body))
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Called by the runtime when it cannot prove isolation by executor identity (for example
    /// `assumeIsolated` from the event loop itself): we are isolated iff we are the driver thread.
    package func checkIsolated() {
        precondition(driver.load(ordering: .relaxed) == UInt(pthread_self()),
                     "not on the simulator's driver thread")
    }

    /// What escaped so far.
    package var foreignJobs: ForeignJobs { foreign.withLock { $0 } }

    /// Calls `observer` on the enqueuing thread after each foreign job is queued (nil: stop),
    /// so a test can wait for an escape as an event. Costs nothing on the driver's own path.
    func observeForeignJobs(_ observer: (@Sendable () -> Void)?) {
        foreignObserver.withLock { $0 = observer }
    }

    /// Marks the calling thread as the driver for the duration of `body`.
    func drive<T>(_ body: () throws -> T) rethrows -> T {
        let me = UInt(pthread_self())
        let (exchanged, _) = driver.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing)
        precondition(exchanged, "a simulator can only be driven by one thread at a time")
        defer { driver.store(0, ordering: .releasing) }
        return try body()
    }

    /// Runs every ready job, including those that running jobs make ready, in FIFO order.
    /// - Returns: the number of jobs run.
    @discardableResult
    func runReadyJobs() -> Int {
        var ran = 0
        while true {
            if inboxCount.load(ordering: .relaxed) > 0 { takeInbox() }
            guard let work = queue.popFirst() else { break }
            switch consume work {
            case .job(let job):
                job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
            case .closure(let body):
                body()
            }
            ran += 1
        }
        return ran
    }

    private func takeInbox() {
        let jobs = inbox.withLock { box -> [UnownedJob] in
            let taken = box
            box.removeAll()
            return taken
        }
        inboxCount.subtract(jobs.count, ordering: .relaxed)
        for job in jobs { queue.append(.job(job)) }
    }

    /// The calling thread's name from /proc/thread-self/comm (Linux), or its pthread id.
    private static func threadName() -> String {
        let fd = open("/proc/thread-self/comm", O_RDONLY)
        if fd >= 0 {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                let name = String(decoding: buffer[0..<n], as: UTF8.self)
                    .trimmingSuffix(while: { $0 == "\n" })
                if !name.isEmpty { return "thread '\(name)'" }
            }
        }
        return "thread \(UInt(pthread_self()))"
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var s = self
        while let last = s.last, predicate(last) { s.removeLast() }
        return s
    }
}

/// Jobs that reached the simulator's executor from a thread other than its driver.
package struct ForeignJobs: Sendable, Equatable {
    /// How many.
    package private(set) var count = 0
    /// The thread the first one came from.
    package private(set) var firstThread: String?
    /// The priority of the first one.
    package private(set) var firstPriority: UInt8?

    mutating func note(priority: UInt8, thread: String) {
        if count == 0 { firstThread = thread; firstPriority = priority }
        count += 1
    }

    /// A sentence for the run's result, or nil when nothing escaped.
    package var failureMessage: String? {
        guard count > 0 else { return nil }
        return "\(count) job\(count == 1 ? "" : "s") reached the simulator's executor from another thread "
            + "(first from \(firstThread ?? "?"), priority \(firstPriority ?? 0)): a task escaped the "
            + "simulation — a bare Task {}, Task.detached or a Dispatch queue runs on the global pool. "
            + "Create tasks with Simulator.spawn(_:) and keep node work on the simulator's executor."
    }
}
