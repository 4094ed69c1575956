/// A point in virtual time: nanoseconds since the start of a run.
///
/// Virtual time is owned by the simulator's event loop: it only moves when the loop takes the
/// next event off its heap. Nothing in the simulator or in node code reads the wall clock.
public struct VirtualInstant: InstantProtocol, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since the start of the run.
    public var nanoseconds: Int64

    /// Makes an instant `nanoseconds` after the start of the run.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The start of every run.
    public static let zero = VirtualInstant(nanoseconds: 0)

    public func advanced(by duration: Duration) -> VirtualInstant {
        VirtualInstant(nanoseconds: nanoseconds &+ duration.nanosecondsClamped)
    }

    public func duration(to other: VirtualInstant) -> Duration {
        .nanoseconds(other.nanoseconds &- nanoseconds)
    }

    public static func < (a: VirtualInstant, b: VirtualInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Milliseconds since the start of the run, as a decimal.
    public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }

    /// The instant as seconds with millisecond precision, e.g. `12.345s`.
    public var description: String { formatNanoseconds(nanoseconds) }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    public var nanosecondsClamped: Int64 {
        let (s, atto) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        let (sum, o2) = ns.addingReportingOverflow(atto / 1_000_000_000)
        return o2 ? (s < 0 ? .min : .max) : sum
    }

    /// The duration in milliseconds, as a decimal.
    public var milliseconds: Double { Double(nanosecondsClamped) / 1_000_000 }
}

/// Formats nanoseconds the way the trace and reports show times: `1.250s`, `0.000s`.
public func formatNanoseconds(_ ns: Int64) -> String {
    let negative = ns < 0
    let magnitude = ns.magnitude
    let seconds = magnitude / 1_000_000_000
    let millis = (magnitude % 1_000_000_000) / 1_000_000
    let frac = String(millis)
    return (negative ? "-" : "") + "\(seconds)." + String(repeating: "0", count: 3 - frac.count) + frac + "s"
}
