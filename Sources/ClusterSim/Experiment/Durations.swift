/// The duration syntax of experiment files: an integer or decimal number followed by a unit,
/// `us` (microseconds), `ms`, `s` or `m` (minutes) — `"250ms"`, `"1.5s"`, `"2m"`, `"100us"`.
///
/// Nothing else is accepted: no spaces, no `+`, no exponent, no leading or trailing `.`, no other
/// units. A value must be a whole number of nanoseconds (`"1.5us"` is fine, `"0.0001us"` is not).
public enum DurationText {
    /// The result of reading a duration, with the reason when it is not one.
    enum Outcome: Equatable {
        case duration(Duration)
        case malformed
        case negative
        case tooPrecise
        case tooLarge
    }

    /// Parses `text`.
    /// - Parameter allowNegative: accept a leading `-` (used by `clockOffset`'s `by`).
    /// - Returns: the duration, or nil when `text` is not exactly the syntax above, is negative
    ///   (unless allowed), is finer than a nanosecond or does not fit in 64-bit nanoseconds.
    public static func parse(_ text: String, allowNegative: Bool = false) -> Duration? {
        if case .duration(let d) = read(text, allowNegative: allowNegative) { return d }
        return nil
    }

    /// Formats `duration` the way messages and reports show it: the largest of `s`, `ms`, `us`
    /// that keeps it at 1 or more, with as many decimals as needed (`"70s"`, `"1.5s"`, `"250ms"`,
    /// `"200us"`, `"0s"`).
    /// - Returns: text that `parse` reads back to the same duration (with `allowNegative` when
    ///   negative).
    public static func format(_ duration: Duration) -> String {
        let ns = duration.nanosecondsClamped
        if ns == 0 { return "0s" }
        let sign = ns < 0 ? "-" : ""
        let m = ns.magnitude
        let (unit, suffix, digits): (UInt64, String, Int) =
            m >= 1_000_000_000 ? (1_000_000_000, "s", 9) : m >= 1_000_000 ? (1_000_000, "ms", 6) : (1_000, "us", 3)
        return sign + decimal(m / unit, m % unit, digits: digits) + suffix
    }

    /// `whole.fraction` with the fraction zero-padded to `digits` and trailing zeros removed.
    static func decimal(_ whole: UInt64, _ fraction: UInt64, digits: Int) -> String {
        guard fraction != 0 else { return String(whole) }
        var f = String(fraction)
        f = String(repeating: "0", count: digits - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(whole).\(f)"
    }

    /// Reads `text`, saying why it is not a duration when it is not.
    static func read(_ text: String, allowNegative: Bool) -> Outcome {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s.removeFirst() }
        let units: [(String, Int128)] = [("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000)]
        guard let (suffix, perUnit) = units.first(where: { s.hasSuffix($0.0) }) else { return .malformed }
        s.removeLast(suffix.count)
        guard let (whole, fraction) = splitDecimal(s) else { return .malformed }
        if negative && !allowNegative { return .negative }
        // Trailing zeros of the fraction do not change the value.
        var frac = fraction
        while frac.last == "0" { frac.removeLast() }
        guard whole.count <= 20, frac.count <= 20 else { return whole.count > 20 ? .tooLarge : .tooPrecise }
        let scale = Int128(pow10: frac.count)
        let numerator = (Int128(whole)! * scale + (frac.isEmpty ? 0 : Int128(frac)!)) * perUnit
        guard numerator % scale == 0 else { return .tooPrecise }
        let ns = numerator / scale
        guard ns <= Int128(Int64.max) else { return .tooLarge }
        return .duration(.nanoseconds(Int64(ns) * (negative ? -1 : 1)))
    }

    /// Splits `12.50` into ("12", "50") and `7` into ("7", ""); nil unless the text is digits with
    /// at most one `.` that has digits on both sides.
    static func splitDecimal(_ s: Substring) -> (Substring, Substring)? {
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        func isDigits(_ p: Substring) -> Bool { !p.isEmpty && p.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard let first = parts.first, isDigits(first) else { return nil }
        if parts.count == 1 { return (first, "") }
        guard isDigits(parts[1]) else { return nil }
        return (first, parts[1])
    }
}

private extension Int128 {
    init(pow10 n: Int) {
        var v: Int128 = 1
        for _ in 0..<n { v *= 10 }
        self = v
    }
}

/// An event rate per simulated client, written `"2/s"`, `"30/m"` or `"0.5/s"` in experiment files.
///
/// Arrivals at a rate are drawn from the seeded RNG with exponential inter-arrival times whose mean
/// is `1 / perSecond` seconds; a rate of zero means no events.
public struct Rate: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Events per second, 0 or more and finite.
    public var perSecond: Double

    /// Makes a rate of `perSecond` events per second (negative values become 0).
    public init(perSecond: Double) { self.perSecond = max(0, perSecond) }

    /// No events.
    public static let zero = Rate(perSecond: 0)

    /// Parses a number (integer or decimal, no sign or exponent), `/`, and `s` or `m`.
    /// - Returns: the rate, or nil when `text` is not exactly that syntax.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, DurationText.splitDecimal(parts[0]) != nil,
              let value = Double(String(parts[0])), value.isFinite else { return nil }
        switch parts[1] {
        case "s": self.init(perSecond: value)
        case "m": self.init(perSecond: value / 60)
        default: return nil
        }
    }

    /// The mean time between two events, or nil for a zero rate.
    /// - Returns: `1 / perSecond` seconds, rounded to the nanosecond.
    public var meanInterval: Duration? {
        guard perSecond > 0 else { return nil }
        return .nanoseconds(Int64(min(9.2e18, (1e9 / perSecond).rounded())))
    }

    /// `"2/s"`, `"0.5/s"`: always per second.
    public var description: String {
        let text = String(perSecond)
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + "/s"
    }
}
