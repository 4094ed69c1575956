import Glibc
import NetModel
import Nodes
import Synchronization

/// A node's environment in the real runtime: real monotonic time since the runtime started (plus
/// the node's clock offset), the node incarnation's own seeded stream, timers on the process's
/// one timer thread that fire through the node's mailbox (so a paused node's timers wait, a
/// crashed node's never run), and the process's trace.
package final class RealNodeEnvironment: NodeEnvironment, @unchecked Sendable {
    /// The node this environment serves.
    package let name: NodeName
    /// The cluster-wide settings.
    package let settings: ClusterSettings
    /// The node incarnation (1 for the first start, one more per restart).
    package let incarnation: Int
    /// The address the node registers with (its listen address once attached; its name when it
    /// has none).
    package var advertisedAddress: String { address.withLock { $0 } }
    private let address: Mutex<String>
    let runtime: RealRuntime
    let mailbox: NodeMailbox
    private let rng: Mutex<SeededRandom>
    /// Timers scheduled and neither fired nor cancelled.
    private let pending = Mutex<Set<UInt64>>([])
    private let live = Atomic<Bool>(true)
    private let handle = Mutex<(any Transport<ClusterMessage>)?>(nil)

    init(name: NodeName, settings: ClusterSettings, incarnation: Int, runtime: RealRuntime, mailbox: NodeMailbox) {
        self.name = name
        self.settings = settings
        self.incarnation = incarnation
        address = Mutex(name.description)
        self.runtime = runtime
        self.mailbox = mailbox
        rng = Mutex(runtime.random(for: name, incarnation: incarnation))
    }

    /// Sets the address the node registers with (before it starts).
    func setAdvertisedAddress(_ text: String) { address.withLock { $0 = text } }

    /// Sets the transport once the node is attached.
    func setTransport(_ transport: any Transport<ClusterMessage>) { handle.withLock { $0 = transport } }

    /// The node's (traced) transport; set once the node is attached.
    package var transport: any Transport<ClusterMessage> { handle.withLock { $0! } }
    /// The serial thread executor the node's actor runs on.
    package var executor: UnownedSerialExecutor { mailbox.executor.asUnownedSerialExecutor() }
    /// The same thread, for the node's tasks.
    package var taskExecutor: (any TaskExecutor)? { mailbox.executor }
    /// Real time since the runtime started, plus the node's clock offset.
    package var now: VirtualInstant {
        VirtualInstant(nanoseconds: runtime.trace.elapsed.nanoseconds &+ runtime.clockOffset(of: name))
    }
    /// Seconds since the Unix epoch from the wall clock, plus the node's clock offset: tokens
    /// issued by one frontend expire at the same instant on every other (and in another process).
    package var tokenSeconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int64(ts.tv_sec) * 1_000_000_000 &+ Int64(ts.tv_nsec) &+ runtime.clockOffset(of: name)) / 1_000_000_000
    }
    /// Whether this incarnation still runs (false once crashed or stopped).
    package var isLive: Bool { live.load(ordering: .acquiring) }

    /// Marks the incarnation dead: its timers and queued work never run.
    func kill() {
        live.store(false, ordering: .releasing)
        pending.withLock { $0.removeAll() }
    }

    /// Drawn from the operating system's randomness when this incarnation starts: a restarted
    /// process (whose seeded streams begin as its predecessor's did) never reuses an outbox
    /// generation or a push-id tag.
    package let incarnationID: UInt64 = UInt64.random(in: 1...UInt64.max)

    /// 64 bits from this incarnation's seeded stream.
    package func random() -> UInt64 { rng.withLock { $0.next() } }

    /// Runs `body` on the node's actor after `delay` (through its mailbox), unless cancelled or the node crashed.
    package func runAfterEvent<A: Actor>(on actor: A, _ body: @escaping @Sendable (isolated A) -> Void) {
        mailbox.post { [self] in
            guard isLive else { return }
            actor.assumeIsolated { body($0) }
        }
    }

    @discardableResult
    package func scheduleTimer<A: Actor>(after delay: Duration, on actor: A,
                                        _ body: @escaping @Sendable (isolated A) -> Void) -> TimerID {
        let id = runtime.makeTimerID()
        pending.withLock { _ = $0.insert(id) }
        runtime.timers.schedule(after: delay) { [self] in
            guard isLive else { return }
            mailbox.post { [self] in
                guard isLive, pending.withLock({ $0.remove(id) }) != nil else { return }
                runtime.trace.record(.timer, node: name, peer: nil, messageID: id, label: "timer", detail: "")
                actor.assumeIsolated { body($0) }
            }
        }
        return TimerID(id)
    }

    /// Cancels a pending timer; a no-op for one that fired or was cancelled.
    package func cancelTimer(_ id: TimerID) { pending.withLock { _ = $0.remove(id.rawValue) } }

    /// Records a node event in the runtime's trace.
    /// On a real network a fenced node stays up and serves nothing (its process is not restarted
    /// from inside; an operator or supervisor restarts it).
    package func exitForRestart() {}

    package func log(_ label: String, _ detail: consuming TraceDetail) {
        runtime.trace.record(.node, node: name, peer: nil, messageID: 0, label: label, fields: detail)
    }

    /// False when the process's trace keeps nothing and has no tap (`RealTrace.recordsEvents`).
    package var recordsNodeEvents: Bool { runtime.trace.recordsEvents }
}
