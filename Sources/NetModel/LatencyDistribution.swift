/// How long one message takes on a link, drawn per message from the network's seeded RNG.
///
/// Two one-shot messages on the same link whose draws differ arrive in the order of their arrival
/// instants, so a spread-out distribution reorders them; `LinkConditions.reorder` reorders even
/// with a constant latency. Streams never reorder.
public enum LatencyDistribution: Sendable, Equatable {
    /// Always `value`.
    case constant(Duration)
    /// Uniform in [`min`, `max`].
    case uniform(min: Duration, max: Duration)
    /// Exponential with `mean`, clamped to [`min`, `max`] where given.
    case exponential(mean: Duration, min: Duration?, max: Duration?)
    /// `fast` most of the time, `slow` with probability `slowFraction`.
    case bimodal(fast: Duration, slow: Duration, slowFraction: Double)

    /// The default network of an experiment that names none: exponential, mean 2ms,
    /// clamped to [200us, 50ms].
    public static let standard = LatencyDistribution.exponential(
        mean: .milliseconds(2), min: .microseconds(200), max: .milliseconds(50))

    /// A sampler with the durations converted once to nanoseconds.
    public var sampler: LatencySampler { LatencySampler(self) }
}

/// A `LatencyDistribution` prepared for the hot path: integer nanoseconds, no `Duration` math.
public struct LatencySampler: Sendable {
    @usableFromInline enum Kind: Sendable {
        case constant(Int64)
        case uniform(Int64, Int64)
        case exponential(mean: Double, min: Int64, max: Int64)
        case bimodal(fast: Int64, slow: Int64, slowFraction: Double)
    }
    @usableFromInline let kind: Kind

    /// Prepares `distribution`.
    public init(_ distribution: LatencyDistribution) {
        switch distribution {
        case .constant(let d):
            kind = .constant(max(0, d.nanosecondsClamped))
        case .uniform(let lo, let hi):
            let a = max(0, lo.nanosecondsClamped), b = max(0, hi.nanosecondsClamped)
            kind = .uniform(min(a, b), max(a, b))
        case .exponential(let mean, let lo, let hi):
            kind = .exponential(mean: Double(max(0, mean.nanosecondsClamped)),
                                min: max(0, lo?.nanosecondsClamped ?? 0),
                                max: hi?.nanosecondsClamped ?? Int64.max / 4)
        case .bimodal(let fast, let slow, let p):
            kind = .bimodal(fast: max(0, fast.nanosecondsClamped), slow: max(0, slow.nanosecondsClamped),
                            slowFraction: p)
        }
    }

    /// One draw.
    /// - Returns: a latency in nanoseconds, never negative.
    @inlinable
    public func sample(using rng: inout SeededRandom) -> Int64 {
        switch kind {
        case .constant(let v):
            return v
        case .uniform(let lo, let hi):
            return hi == lo ? lo : lo &+ Int64(rng.next() % UInt64(hi &- lo &+ 1))
        case .exponential(let mean, let lo, let hi):
            // Inverse transform: -mean * ln(1 - U), U in [0, 1).
            return ExponentialDraw.nanoseconds(u: rng.nextUnit(), mean: mean, min: lo, max: hi)
        case .bimodal(let fast, let slow, let p):
            return rng.chance(p) ? slow : fast
        }
    }
}

/// ln(1 - u) for u in [0, 1) — the core of every exponential draw (`-mean · ln(1 - U)`) — written with the stdlib only so that every platform and build
/// computes the same bits (no libm): 1 - u is scaled by powers of two into [√½, √2), then
/// ln(m) = 2·atanh(z) with z = (m-1)/(m+1), |z| < 0.172, summed as a fixed odd series to z²³
/// (relative error below 1e-17).
@inlinable
public func log1pNegative(_ u: Double) -> Double {
    var m = 1 - u
    if m <= 0 { return -745 }   // ln of the smallest subnormal, an exponential draw's cap
    // m = significand · 2^exponent exactly; scaling by powers of two is exact, so this gives the
    // same m and k as halving or doubling one step at a time, without the loop.
    var k: Double
    if m >= Double.leastNormalMagnitude {
        // The exponent and significand fields read directly (the stdlib's `exponent` and
        // `significand` are out-of-line calls): the same values for every normal number.
        let bits = m.bitPattern
        k = Double(Int((bits >> 52) & 0x7FF) - 1023)
        m = Double(bitPattern: bits & 0x000F_FFFF_FFFF_FFFF | 0x3FF0_0000_0000_0000)
    } else {
        k = Double(m.exponent)
        m = m.significand
    }
    // m in [1, 2)
    if m >= 1.4142135623730951 { m *= 0.5; k += 1 }
    let z = (m - 1) / (m + 1)
    let z2 = z * z
    // atanh(z)/z = sum z^(2n)/(2n+1), n = 0...11, by Horner.
    var p = 1.0 / 23
    p = p * z2 + 1.0 / 21
    p = p * z2 + 1.0 / 19
    p = p * z2 + 1.0 / 17
    p = p * z2 + 1.0 / 15
    p = p * z2 + 1.0 / 13
    p = p * z2 + 1.0 / 11
    p = p * z2 + 1.0 / 9
    p = p * z2 + 1.0 / 7
    p = p * z2 + 1.0 / 5
    p = p * z2 + 1.0 / 3
    p = p * z2 + 1.0
    return 2 * z * p + k * 0.6931471805599453
}
