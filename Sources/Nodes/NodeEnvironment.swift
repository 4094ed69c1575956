import NetModel

/// Everything a node gets from outside: its name, time, randomness, timers and a place to log.
///
/// Nodes never read the wall clock or unseeded randomness; the simulator implements this with
/// virtual time and the run's seeded streams, the TCP runtime with real time. The node actor
/// runs on `executor`, which the environment chooses (the simulator's single-threaded executor
/// in a simulated run).
public protocol NodeEnvironment: AnyObject, Sendable {
    /// The node this environment serves.
    var name: NodeName { get }
    /// The executor the node's actor must run on.
    var executor: UnownedSerialExecutor { get }
    /// The node's clock reading (virtual time plus the node's clock offset).
    var now: VirtualInstant { get }
    /// Draws 64 random bits from the node's own seeded stream.
    func random() -> UInt64
    /// Calls `fire` on the node's executor after `delay`, unless cancelled first or the node
    /// crashed meanwhile.
    /// - Returns: an id for `cancelTimer(_:)`.
    func scheduleTimer(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> TimerID
    /// Cancels a pending timer; a no-op for one that fired or was cancelled.
    func cancelTimer(_ id: TimerID)
    /// Records a node-level event in the trace (`label` a stable kind, `detail` free text).
    func log(_ label: String, _ detail: String)
}

/// A timer's handle.
public struct TimerID: Hashable, Sendable {
    /// The raw number, unique within a run.
    public let rawValue: UInt64
    /// Wraps a raw number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
}
