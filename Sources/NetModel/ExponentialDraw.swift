#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One exponential draw in whole nanoseconds: exactly what `log1pNegative` gives, faster.
///
/// A simulated link's latency is `Int64(-mean · ln(1 − u))`, where `ln` is `log1pNegative`: written
/// with the stdlib only, so that every platform and build computes the same bits. It is a fixed
/// series (a division and twelve dependent multiply-adds, 14% of `bench sim`'s driver thread).
/// The platform's `log` takes about as many instructions but a far shorter dependency chain; its
/// last bits may differ from the series' (a third of draws differ, by at most 5e-16 relative,
/// measured over 20 million draws).
///
/// Only the whole nanoseconds are kept, so the draw takes the fast value when it lies more than
/// `margin` (relative, 1e-10: five orders of magnitude above any difference measured) from every
/// whole number: the exact value is then in the same interval between two whole numbers, and
/// truncates, and compares with a whole-number bound, alike. Otherwise (about one draw in 2,500
/// at a mean of 2 ms) it computes the exact series. The result is the exact path's on every
/// platform whose `log` is within 1e-10 of the true logarithm, as every libm is by many orders.
public enum ExponentialDraw {
    /// How close (relative) to a whole number the fast value may be before the exact series is
    /// computed instead.
    public static let margin = 1.0e-10

    /// `-mean · log1pNegative(u)` truncated to whole nanoseconds and clamped to [`lo`, `hi`] — as
    /// `exactNanoseconds` computes it, through the platform's `log` when that gives the same.
    @inlinable
    public static func nanoseconds(u: Double, mean: Double, min lo: Int64, max hi: Int64) -> Int64 {
        let fast = -mean * log(1 - u)
        // Below 2^52 a double has a fraction; a value of 0 (u = 0, or a mean of 0) never passes.
        if fast < 4.0e15 {
            let fraction = fast - Double(Int64(fast))
            let room = fast * margin
            if fraction > room && 1 - fraction > room { return clamp(fast, lo, hi) }
        }
        return exactNanoseconds(u: u, mean: mean, min: lo, max: hi)
    }

    /// The definition: `-mean · log1pNegative(u)` truncated to whole nanoseconds, clamped to
    /// [`lo`, `hi`] (a value at or above `hi` is `hi`).
    @inlinable
    public static func exactNanoseconds(u: Double, mean: Double, min lo: Int64, max hi: Int64) -> Int64 {
        clamp(-mean * log1pNegative(u), lo, hi)
    }

    @inlinable
    static func clamp(_ x: Double, _ lo: Int64, _ hi: Int64) -> Int64 {
        let ns = x >= Double(hi) ? hi : Int64(x)
        return Swift.min(Swift.max(ns, lo), hi)
    }
}
