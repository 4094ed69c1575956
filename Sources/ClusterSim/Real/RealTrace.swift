import NetModel
import Synchronization

/// The real runtime's trace: the simulator's own `TraceRecorder` (same events, same canonical
/// hash, same JSON Lines) behind a lock, with `at` the real time elapsed since the run started.
///
/// Any thread may record; events get their instant and their sequence number under the same
/// lock, so the trace is ordered by time like a simulated one.
///
/// A long-lived process whose trace nobody reads (a `simctl node` process, a chat door) keeps
/// `.nothing`: an event then costs nothing but what its tap does with it (no lock, no clock
/// read, no hash) when there is no tap. The hash was 13% of a session node's CPU under chat load.
package final class RealTrace: TraceSink, @unchecked Sendable {
    /// What the trace keeps of its events.
    package enum Keeping: Sendable {
        /// Every event, with the hash and the count (checkers need them).
        case events
        /// The hash and the count.
        case hash
        /// Nothing: `hash` and `count` are not kept; a tap still sees every event.
        case nothing
    }

    /// What the trace keeps.
    package let keeping: Keeping
    /// Whether recording an event does anything (it keeps something, or a tap sees it).
    package var recordsEvents: Bool { keeping != .nothing || tap != nil }
    /// The monotonic instant (ns) the run's time counts from.
    package let origin: Int64
    private let recorder: Mutex<TraceRecorder>
    private let tap: (@Sendable (TraceEvent) -> Void)?

    /// A trace whose time 0 is now.
    /// - Parameters:
    ///   - retainsEvents: keep every event in memory (checkers need them), else only the hash
    ///     and the count (a long-lived node process keeps `.nothing`: `init(keeping:tap:)`).
    ///   - tap: sees every event as it is recorded, under the trace's lock (keep it short).
    package convenience init(retainsEvents: Bool = true, tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        self.init(keeping: retainsEvents ? .events : .hash, tap: tap)
    }

    /// A trace whose time 0 is now, keeping what `keeping` says.
    /// - Parameter tap: sees every event as it is recorded, under the trace's lock (keep it short).
    package init(keeping: Keeping, tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        origin = MonotonicClock.nanoseconds()
        self.keeping = keeping
        recorder = Mutex(TraceRecorder(retainsEvents: keeping == .events))
        self.tap = tap
    }

    /// Real time elapsed since the origin.
    package var elapsed: VirtualInstant { VirtualInstant(nanoseconds: MonotonicClock.nanoseconds() - origin) }

    /// Records one event at the real time elapsed since the origin.
    package func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, detail: String) {
        record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: TraceDetail(text: detail))
    }

    /// Records one event with a structured detail (a node event's fields) at the real time
    /// elapsed since the origin.
    package func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, fields: TraceDetail) {
        if !recordsEvents { return }
        recorder.withLock { r in
            r.now = max(r.now, MonotonicClock.nanoseconds() - origin)
            if keeping == .nothing {
                nothingKeptCount += 1
            } else {
                r.record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: fields)
            }
            if let tap {
                tap(TraceEvent(seq: keeping == .nothing ? nothingKeptCount : r.count, at: VirtualInstant(nanoseconds: r.now),
                               kind: kind, node: node, peer: peer, messageID: messageID, label: label, fields: fields))
            }
        }
    }

    /// The sequence number of the last event a `.nothing` trace handed its tap (under the lock).
    @exclusivity(unchecked) private var nothingKeptCount = 0

    /// Every event so far, in order.
    package var events: [TraceEvent] { recorder.withLock { $0.events } }
    /// How many events were recorded (0 when the trace keeps `.nothing`).
    package var count: Int { recorder.withLock { $0.count } }
    /// The hash over every event so far (16 hex digits; a real run's hash is not reproducible;
    /// the empty trace's when the trace keeps `.nothing`).
    package var hash: String { recorder.withLock { $0.hash } }
    /// The trace as JSON Lines.
    package func jsonLines() -> String { recorder.withLock { $0.jsonLines() } }
}
