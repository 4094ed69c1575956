import Foundation

/// The MessagePack timestamp extension (ext type -1) used for `Date`.
///
/// Encoding picks the smallest form: timestamp 32 (whole seconds in 0...2^32-1), timestamp 64
/// (seconds in 0..<2^34 with nanoseconds), otherwise timestamp 96 (signed 64-bit seconds).
/// Sub-second precision is rounded to the nanosecond, so a `Date` round-trips to within the
/// precision of its `Double` representation (exactly, for values like whole milliseconds
/// that `Double` represents exactly relative to 1970).
enum MessagePackTimestamp {
    static let extType: Int8 = -1

    /// The ext payload for `date`, or `nil` when it is not finite or outside ±2^63 seconds.
    static func payload(for date: Date) -> [UInt8]? {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, interval >= -9.2e18, interval <= 9.2e18 else { return nil }
        var seconds = interval.rounded(.down)
        var nanos = ((interval - seconds) * 1e9).rounded()
        if nanos >= 1e9 {
            seconds += 1
            nanos = 0
        }
        let secs = Int64(seconds)
        let nsec = UInt32(nanos)
        if secs >= 0, secs >> 34 == 0 {
            if nsec == 0, secs <= Int64(UInt32.max) {
                return bigEndian(UInt32(secs))
            }
            return bigEndian(UInt64(nsec) << 34 | UInt64(secs))
        }
        return bigEndian(nsec) + bigEndian(UInt64(bitPattern: secs))
    }

    /// The date for a timestamp 32/64/96 payload, or `nil` if the payload is malformed.
    static func date(from payload: ArraySlice<UInt8>) -> Date? {
        func read(_ start: Int, _ width: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in start..<(start + width) { value = value << 8 | UInt64(payload[i]) }
            return value
        }
        let base = payload.startIndex
        let seconds: Int64
        let nanos: UInt64
        switch payload.count {
        case 4:
            (seconds, nanos) = (Int64(read(base, 4)), 0)
        case 8:
            let raw = read(base, 8)
            (seconds, nanos) = (Int64(raw & 0x3_ffff_ffff), raw >> 34)
        case 12:
            (seconds, nanos) = (Int64(bitPattern: read(base + 4, 8)), read(base, 4))
        default:
            return nil
        }
        guard nanos < 1_000_000_000 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
