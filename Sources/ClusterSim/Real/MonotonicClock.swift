import Glibc

/// Real monotonic time in nanoseconds (CLOCK_MONOTONIC): the real runtime's only clock.
///
/// Real-time code only; simulated code never reads it.
package enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed origin (the machine's boot).
    package static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
