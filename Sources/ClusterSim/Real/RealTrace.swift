import NetModel
import Synchronization

/// The real runtime's trace: the simulator's own `TraceRecorder` (same events, same canonical
/// hash, same JSON Lines) behind a lock, with `at` the real time elapsed since the run started.
///
/// Any thread may record; events get their instant and their sequence number under the same
/// lock, so the trace is ordered by time like a simulated one.
package final class RealTrace: TraceSink, @unchecked Sendable {
    /// The monotonic instant (ns) the run's time counts from.
    package let origin: Int64
    private let recorder: Mutex<TraceRecorder>
    private let tap: (@Sendable (TraceEvent) -> Void)?

    /// A trace whose time 0 is now.
    /// - Parameters:
    ///   - retainsEvents: keep every event in memory (checkers need them; a long-lived node
    ///     process keeps only the hash and the count).
    ///   - tap: sees every event as it is recorded, under the trace's lock (keep it short).
    package init(retainsEvents: Bool = true, tap: (@Sendable (TraceEvent) -> Void)? = nil) {
        origin = MonotonicClock.nanoseconds()
        recorder = Mutex(TraceRecorder(retainsEvents: retainsEvents))
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
        recorder.withLock { r in
            r.now = max(r.now, MonotonicClock.nanoseconds() - origin)
            r.record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: fields)
            if let tap {
                tap(TraceEvent(seq: r.count, at: VirtualInstant(nanoseconds: r.now), kind: kind, node: node, peer: peer,
                               messageID: messageID, label: label, fields: fields))
            }
        }
    }

    /// Every event so far, in order.
    package var events: [TraceEvent] { recorder.withLock { $0.events } }
    /// How many events were recorded.
    package var count: Int { recorder.withLock { $0.count } }
    /// The hash over every event so far (16 hex digits; a real run's hash is not reproducible).
    package var hash: String { recorder.withLock { $0.hash } }
    /// The trace as JSON Lines.
    package func jsonLines() -> String { recorder.withLock { $0.jsonLines() } }
}
