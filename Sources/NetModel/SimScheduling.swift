/// What the simulated network needs from the simulator's event loop.
///
/// Implemented by `ClusterSim.Simulator`; a test can implement it with a plain heap.
public protocol EventScheduler: AnyObject {
    /// The current virtual instant.
    var now: VirtualInstant { get }
    /// Runs `action` on the event loop at `instant` (never before `now`). Events at the same
    /// instant run in the order they were scheduled.
    func schedule(at instant: VirtualInstant, _ action: @escaping () -> Void)
    /// Registers a callback for allocation-free events (the simulated network's in-flight slots).
    /// - Returns: the callback's number for `schedule(at:target:token:)`.
    func register(_ callback: @escaping (Int) -> Void) -> Int
    /// Calls the registered callback `target` with `token` at `instant`: the hot-path twin of
    /// `schedule(at:_:)`, with nothing allocated per event.
    func schedule(at instant: VirtualInstant, target: Int, token: Int)
}

/// The kinds of event a run records. The raw value is part of the trace's canonical encoding
/// and must never change.
public enum TraceKind: UInt8, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case send = 1, deliver, drop, duplicate, timer, crash, restart, pause, resume, partition, heal
    case clockOffset, streamOpen, streamClose, node, check, fault, start

    /// The name written in JSON Lines (`send`, `stream-open`, …).
    public var description: String {
        switch self {
        case .send: "send"
        case .deliver: "deliver"
        case .drop: "drop"
        case .duplicate: "duplicate"
        case .timer: "timer"
        case .crash: "crash"
        case .restart: "restart"
        case .pause: "pause"
        case .resume: "resume"
        case .partition: "partition"
        case .heal: "heal"
        case .clockOffset: "clock-offset"
        case .streamOpen: "stream-open"
        case .streamClose: "stream-close"
        case .node: "node"
        case .check: "check"
        case .fault: "fault"
        case .start: "start"
        }
    }
}

/// Where the simulated network reports what happened to each message.
public protocol TraceSink: AnyObject {
    /// Records one event at the scheduler's current instant.
    /// - Parameters:
    ///   - node: the node the event happened at (sender for `send`, receiver for `deliver`).
    ///   - peer: the other end, if any.
    ///   - messageID: the message or stream id, 0 when none.
    ///   - label: the message kind (`Ping`) or the event's subject.
    ///   - detail: free text, e.g. the drop reason.
    func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                label: String, detail: String)
}
