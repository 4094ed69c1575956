import Foundation
import Synchronization

/// A serial executor backed by one dedicated thread: the real runtime's home for node actors.
///
/// Work runs strictly in FIFO order, one item at a time: the Swift runtime's jobs (an `await`
/// into an actor that uses this executor) and plain closures enqueued by the runtime (a node's
/// mailbox drain, a timer). Running a closure on this thread is as isolated as a job is, so a
/// closure may enter an actor whose executor this is with `assumeIsolated` — no task, no
/// continuation and no allocation beyond the closure itself.
///
/// It is also a `TaskExecutor`: a node's tasks (a frontend service's handler) prefer it, so their
/// nonisolated code runs on the node's thread too, never waiting for a free thread of the
/// global pool.
///
/// Real-time code: it owns a thread and blocks on a condition variable when idle.
package final class SerialThreadExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// One unit of work.
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    /// The executor's name (the thread's name), for diagnostics.
    package let label: String
    private let condition = NSCondition()
    private var queue: [Work] = []
    private var stopping = false
    private var finished = false
    /// The pthread of the executor's thread, set once it runs.
    private let threadID = Mutex<pthread_t?>(nil)

    /// Starts an executor and its thread.
    /// - Parameter label: the thread's name.
    package init(label: String) {
        self.label = label
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in loop(started: started) }
        thread.name = label
        thread.stackSize = 1 << 20
        thread.start()
        // Wait until the thread has recorded its id, so `checkIsolated` is exact from the start.
        started.wait()
    }

    /// Queues a job of the Swift runtime (an `await` into an actor on this executor).
    package func enqueue(_ job: consuming ExecutorJob) {
        append(.job(UnownedJob(job)))
    }

    /// Runs `body` on the executor's thread after everything already enqueued.
    /// - Returns: false when the executor has stopped (the closure is dropped).
    @discardableResult
    package func execute(_ body: @escaping () -> Void) -> Bool {
        append(.closure(body))
    }

    /// Runs `body` on the executor's thread and waits for it. Never call it from the executor's
    /// own thread (that would wait for itself).
    /// - Returns: false when the executor had already stopped (`body` did not run).
    @discardableResult
    package func sync(_ body: @escaping () -> Void) -> Bool {
        precondition(!isCurrent, "SerialThreadExecutor.sync called from its own thread (\(label))")
        let done = DispatchSemaphore(value: 0)
        // `body` is released before the caller wakes, so it may be a closure that must not
        // outlive the call (`withoutActuallyEscaping`).
        let slot = BodySlot(body)
        guard append(.closure({ slot.run(); done.signal() })) else { return false }
        done.wait()
        return true
    }

    /// Whether the calling thread is this executor's thread.
    package var isCurrent: Bool {
        threadID.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Traps unless called on the executor's thread.
    package func checkIsolated() {
        precondition(isCurrent, "not on the thread of executor \(label)")
    }

    /// This executor as actors return it from `unownedExecutor`.
    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Stops the executor after the work already enqueued and joins its thread. Idempotent; work
    /// enqueued afterwards is dropped.
    package func shutdown() {
        precondition(!isCurrent, "SerialThreadExecutor.shutdown called from its own thread (\(label))")
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    @discardableResult
    private func append(_ work: Work) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        queue.append(work)
        if queue.count == 1 { condition.signal() }
        return true
    }

    private func loop(started: DispatchSemaphore) {
        threadID.withLock { $0 = pthread_self() }
        started.signal()
        var batch: [Work] = []
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // Take everything ready in one go; new work waits for the next round (still FIFO).
            swap(&batch, &queue)
            condition.unlock()
            // Each item is released as soon as it has run (a `sync` caller may rely on that).
            batch.reverse()
            while let work = batch.popLast() {
                switch work {
                case .job(let job):
                    job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                case .closure(let body): body()
                }
            }
        }
    }
}

/// Holds a closure until it has run once, then lets it go.
private final class BodySlot: @unchecked Sendable {
    private var body: (() -> Void)?
    init(_ body: @escaping () -> Void) { self.body = body }
    func run() {
        body?()
        body = nil
    }
}
