import Glibc
import Synchronization

/// One node incarnation's inbound queue in the real runtime: inbound traffic and timer fires,
/// handed over from transport worker threads and the timer thread, run on the node's executor
/// strictly in arrival order (per-node FIFO), never a task per message.
///
/// When the first item arrives the mailbox enqueues one drain on its executor; the drain runs a
/// bounded batch and, if more is waiting, enqueues itself again behind the other nodes' work.
/// `hold()` (a paused node) keeps items queued until `release()`; `close()` (a crashed node)
/// drops everything, now and later.
final class NodeMailbox: @unchecked Sendable {
    /// One queued item: what to run, and (for inbound traffic) the sender's item it must follow.
    private struct Item {
        var body: @Sendable () -> Void
        var after: (sender: NodeMailbox, item: UInt64)?
        /// Called instead of `body` when the mailbox closes first (records the lost message).
        var lost: (@Sendable () -> Void)?
    }

    private struct State {
        var items: [Item] = []
        var head = 0
        var scheduled = false
        var held = false
        var closed = false
        var pending: Int { items.count - head }
    }

    /// The executor the node's actor runs on.
    let executor: SerialThreadExecutor
    private let state = Mutex(State())
    /// Items begun and items finished: an item is in progress while they differ.
    private let begun = Atomic<UInt64>(0)
    private let finished = Atomic<UInt64>(0)
    /// Items run per drain before yielding to the executor's other work.
    private let batchLimit = 64

    init(executor: SerialThreadExecutor) {
        self.executor = executor
    }

    /// Queues `item` to run on the node's executor after everything queued before it.
    /// - Returns: false when the mailbox is closed (the node crashed): the item is dropped.
    /// - Parameter sender: the sending node's mailbox, for inbound traffic from a node of this
    ///   process: the item waits until the item the sender is running now (the one that sent
    ///   it, or a later one) has finished, so everything the sender recorded while sending comes
    ///   before what this node records on receiving it — causal order in the trace, as on the
    ///   simulator.
    /// - Parameter lost: called instead when the mailbox is (or gets) closed before the item runs.
    @discardableResult
    func post(after sender: NodeMailbox? = nil, lost: (@Sendable () -> Void)? = nil,
              _ item: @escaping @Sendable () -> Void) -> Bool {
        let after = sender.flatMap { $0 === self ? nil : ($0, $0.begun.load(ordering: .acquiring)) }
        let (accepted, schedule) = state.withLock { s -> (Bool, Bool) in
            guard !s.closed else { return (false, false) }
            s.items.append(Item(body: item, after: after, lost: lost))
            guard !s.scheduled, !s.held else { return (true, false) }
            s.scheduled = true
            return (true, true)
        }
        if schedule { executor.execute { [self] in drain() } }
        if !accepted { lost?() }
        return accepted
    }

    /// Queues `item` ahead of everything waiting (a node's start, queued after its first inbound
    /// traffic may already have arrived).
    func postFirst(_ item: @escaping @Sendable () -> Void) {
        let schedule = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.items.insert(Item(body: item, after: nil, lost: nil), at: s.head)
            guard !s.scheduled, !s.held else { return false }
            s.scheduled = true
            return true
        }
        if schedule { executor.execute { [self] in drain() } }
    }

    /// Items waiting.
    var pendingCount: Int { state.withLock { $0.pending } }

    /// Holds the queue: items keep arriving in order and wait for `release()`. Returns once the
    /// item running now (if any) has finished, so nothing of the node runs after it.
    func hold() {
        state.withLock { $0.held = true }
        waitIdle()
    }

    /// Waits until no item is running (call only from outside the node's executor).
    private func waitIdle() {
        precondition(!executor.isCurrent, "a mailbox cannot wait for itself")
        while begun.load(ordering: .acquiring) != finished.load(ordering: .acquiring) { sched_yield() }
    }

    /// Releases a held queue: what was held runs first, in order.
    func release() {
        let schedule = state.withLock { s -> Bool in
            s.held = false
            guard !s.closed, !s.scheduled, s.pending > 0 else { return false }
            s.scheduled = true
            return true
        }
        if schedule { executor.execute { [self] in drain() } }
    }

    /// Closes the mailbox for good, once the item running now (if any) has finished: later posts
    /// are refused, and the items still queued are dropped — their `lost` callbacks are returned,
    /// in order, for the caller to run after it has recorded the crash.
    func close() -> [@Sendable () -> Void] {
        let dropped = state.withLock { s -> [Item] in
            let dropped = Array(s.items[s.head...])
            s.closed = true
            s.items = []
            s.head = 0
            return dropped
        }
        waitIdle()
        return dropped.compactMap(\.lost)
    }

    private func drain() {
        for _ in 0..<batchLimit {
            // Look at the next item; wait for its sender outside the lock and outside any item
            // (a node never waits while counted as busy, so two nodes cannot wait for each other;
            // the awaited item is running and ends soon). Then take it — still the first one,
            // as only this drain removes items — and count it begun under the same lock that
            // `hold()` and `close()` take, so after them no new item begins.
            let peek = state.withLock { s -> (ready: Bool, after: (sender: NodeMailbox, item: UInt64)?) in
                guard !s.closed, !s.held, s.head < s.items.count else {
                    s.scheduled = false
                    return (false, nil)
                }
                return (true, s.items[s.head].after)
            }
            guard peek.ready else { return }
            if let (sender, item) = peek.after {
                while sender.finished.load(ordering: .acquiring) < item { sched_yield() }
            }
            let next = state.withLock { s -> Item? in
                guard !s.closed, !s.held, s.head < s.items.count else {
                    s.scheduled = false
                    return nil
                }
                let item = s.items[s.head]
                s.head += 1
                if s.head == s.items.count || s.head > 1024 {
                    s.items.removeFirst(s.head)
                    s.head = 0
                }
                begun.add(1, ordering: .acquiringAndReleasing)
                return item
            }
            guard let next else { return }
            next.body()
            finished.add(1, ordering: .releasing)
        }
        // More is waiting: go to the back of the executor's queue so other nodes get their turn.
        let more = state.withLock { s -> Bool in
            guard !s.closed, !s.held, s.pending > 0 else { s.scheduled = false; return false }
            return true
        }
        if more { executor.execute { [self] in drain() } }
    }
}
