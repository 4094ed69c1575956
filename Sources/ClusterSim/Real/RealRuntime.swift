import NetModel
import Nodes
import Synchronization

/// What every node of one process shares in the real runtime: the trace (time 0 = the runtime's
/// start), one timer thread, a small pool of serial executors the node actors are spread over,
/// the seed of their random streams and the nodes' clock offsets.
///
/// Threads: `executorCount` executor threads plus one timer thread, whatever the number of nodes
/// (1,000 simulated clients share them). `shutdown()` joins them all.
package final class RealRuntime: @unchecked Sendable {
    /// The run seed every node's random stream derives from.
    package let seed: UInt64
    /// The process's trace.
    package let trace: RealTrace
    /// The timer thread.
    package let timers: TimerHeap
    /// The serial executors node actors run on.
    package let executors: [SerialThreadExecutor]
    private let offsets = Mutex<[NodeName: Int64]>([:])
    private let cutLinks = Mutex<Set<Link>>([])
    private let mailboxes = Mutex<(live: [NodeName: NodeMailbox], known: Set<NodeName>)>(([:], []))
    private let nextTimer = Atomic<UInt64>(1)
    private let nextExecutor = Atomic<Int>(0)

    /// Starts the threads.
    /// - Parameters:
    ///   - seed: the seed of the nodes' random streams.
    ///   - executorCount: serial executor threads for the node actors (at least 1).
    ///   - retainTrace: keep every event in memory (checkers need them).
    ///   - tap: sees every trace event as it is recorded.
    package convenience init(seed: UInt64, executorCount: Int = 4, retainTrace: Bool = true,
                             tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        self.init(seed: seed, executorCount: executorCount, trace: retainTrace ? .events : .hash, tap: tap)
    }

    /// Starts the threads.
    /// - Parameters:
    ///   - seed: the seed of the nodes' random streams.
    ///   - executorCount: serial executor threads for the node actors (at least 1).
    ///   - trace: what the trace keeps (`.nothing` for a process whose trace nobody reads).
    ///   - tap: sees every trace event as it is recorded.
    package init(seed: UInt64, executorCount: Int = 4, trace keeping: RealTrace.Keeping,
                 tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        self.seed = seed
        trace = RealTrace(keeping: keeping, tap: tap)
        timers = TimerHeap(label: "timers")
        executors = (0..<max(1, executorCount)).map { SerialThreadExecutor(label: "nodes-\($0)") }
    }

    /// The executor for the next node: round robin over the pool.
    func assignExecutor() -> SerialThreadExecutor {
        executors[nextExecutor.add(1, ordering: .relaxed).oldValue % executors.count]
    }

    /// Makes `mailbox` the one of `name`'s live incarnation (for causal order of its messages).
    func register(_ mailbox: NodeMailbox, for name: NodeName) {
        mailboxes.withLock {
            $0.live[name] = mailbox
            $0.known.insert(name)
        }
    }

    /// Forgets `name`'s live incarnation (it crashed or stopped) if `mailbox` is still its mailbox.
    func unregister(_ mailbox: NodeMailbox, for name: NodeName) {
        mailboxes.withLock { if $0.live[name] === mailbox { $0.live[name] = nil } }
    }

    /// The mailbox of `name`'s live incarnation in this process, if any.
    func mailbox(of name: NodeName) -> NodeMailbox? { mailboxes.withLock { $0.live[name] } }

    /// Whether `name` is a node of this process that is down now (crashed, not restarted): what
    /// is sent to it is lost, as on the simulator, and recorded as a `crashed` drop.
    func isDown(_ name: NodeName) -> Bool {
        mailboxes.withLock { $0.live[name] == nil && $0.known.contains(name) }
    }

    /// Records which links the partitions in force cut (for the trace's `partition` drops).
    func setCutLinks(_ links: Set<Link>) { cutLinks.withLock { $0 = links } }

    /// Whether a partition in force cuts traffic from `from` to `to`.
    func isCut(from: NodeName, to: NodeName) -> Bool {
        cutLinks.withLock { !$0.isEmpty && $0.contains(Link(from: from, to: to)) }
    }

    /// A fresh timer id, unique in the process.
    func makeTimerID() -> UInt64 { nextTimer.add(1, ordering: .relaxed).oldValue }

    /// `node`'s clock offset in nanoseconds (0 unless shifted).
    package func clockOffset(of node: NodeName) -> Int64 { offsets.withLock { $0[node] ?? 0 } }

    /// Shifts `node`'s clock by `offset` from real time, recorded in the trace.
    package func setClockOffset(of node: NodeName, to offset: Duration) {
        offsets.withLock { $0[node] = offset.nanosecondsClamped }
        trace.record(.clockOffset, node: node, peer: nil, messageID: 0, label: "clock-offset",
                     detail: formatNanoseconds(offset.nanosecondsClamped))
    }

    /// The seeded stream of one node incarnation (the same naming as the simulator's).
    func random(for name: NodeName, incarnation: Int) -> SeededRandom {
        SeededRandom(seed: seed, stream: incarnation == 1 ? name.description : "\(name)#\(incarnation)")
    }

    /// Stops the timer thread and every executor (after the work they hold) and joins them.
    package func shutdown() {
        timers.shutdown()
        for e in executors { e.shutdown() }
    }
}
