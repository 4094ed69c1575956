import NetModel

/// Records every event of a run: a running FNV-1a-64 hash over each event's canonical encoding,
/// a count, and (unless disabled for benchmarks) the events themselves.
///
/// Used only on the simulator's driver thread.
public final class TraceRecorder: TraceSink, @unchecked Sendable {
    /// Whether events are kept in memory (checkers and `trace.jsonl` need them).
    public let retainsEvents: Bool
    /// The events so far, if retained.
    @exclusivity(unchecked) public private(set) var events: [TraceEvent] = []
    /// How many events were recorded.
    @exclusivity(unchecked) public private(set) var count = 0
    @exclusivity(unchecked) private var hasher = FNV1a64()
    /// The current instant in nanoseconds, kept up to date by the simulator.
    @exclusivity(unchecked) var now: Int64 = 0

    /// Makes an empty recorder.
    public init(retainsEvents: Bool = true) {
        self.retainsEvents = retainsEvents
    }

    /// The trace hash so far: 16 hex digits of FNV-1a-64 over the canonical encoding of every event.
    public var hash: String { hasher.hex }

    public func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, detail: String) {
        record(kind, node: node, peer: peer, messageID: messageID, label: label, fields: TraceDetail(text: detail))
    }

    /// Records one event with a structured detail (a node event's fields).
    public func record(_ kind: TraceKind, node: NodeName?, peer: NodeName?, messageID: UInt64,
                       label: String, fields detail: TraceDetail) {
        let at = now
        count += 1
        TraceEvent.fold(into: &hasher, at: at, kind: kind, node: node, peer: peer, messageID: messageID,
                        label: label, detail: detail)
        if retainsEvents {
            events.append(TraceEvent(seq: count, at: VirtualInstant(nanoseconds: at), kind: kind, node: node,
                                     peer: peer, messageID: messageID, label: label, fields: detail))
        }
    }

    /// The trace as JSON Lines: one object per event, in order.
    public func jsonLines() -> String {
        var out = ""
        out.reserveCapacity(events.count * 96)
        for e in events { out += e.jsonLine; out += "\n" }
        return out
    }
}
