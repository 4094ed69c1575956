/// Reconnect delays: exponential from a base, capped, each scaled by a jitter factor in
/// [0.5, 1.5) drawn from a seeded generator. A pure value: the caller supplies the draws.
struct TCPBackoff: Sendable {
    var baseMilliseconds: Int
    var capMilliseconds: Int

    /// The delay before attempt number `failures + 1` after `failures` failed attempts in a row.
    /// - Returns: milliseconds, at least 1 and at most 1.5 × the cap.
    func delayMilliseconds(afterFailures failures: Int, random: inout SeededRandom) -> Int {
        let exponent = min(max(failures - 1, 0), 30)
        let raw = min(capMilliseconds, baseMilliseconds << exponent)
        let scaled = Double(raw) * (0.5 + random.nextUnit())
        return max(1, Int(scaled))
    }
}
