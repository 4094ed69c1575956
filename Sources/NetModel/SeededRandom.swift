/// The run's random number generator: xoshiro256** (Blackman and Vigna, 2018), seeded through
/// SplitMix64.
///
/// Every consumer of randomness gets its own stream, derived from the run seed and a stable name
/// (`SeededRandom(seed: 42, stream: "frontend-2")`), so adding a node or a client does not change
/// what any other stream draws. The algorithm is fixed and documented because a trace hash recorded
/// today must replay on every future build.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the four state words from `seed` with SplitMix64.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The stream for `stream` (a node name, "network", …) in the run seeded with `seed`:
    /// SplitMix64 seeded with `seed XOR FNV-1a-64(stream)`.
    public init(seed: UInt64, stream: String) {
        var h = FNV1a64()
        h.combine(stream)
        self.init(seed: seed ^ h.value)
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 { nextValue() }

    // Inlinable (with `rotl`): called across modules on every draw (the network's, the nodes'),
    // an out-of-line call and two more for the rotations cost about 25 instructions a draw.
    @inlinable @inline(__always)
    mutating func nextValue() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A uniform draw in [0, 1) with 53 bits of precision.
    /// - Returns: a Double in the half-open unit interval.
    @inlinable @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A Bernoulli trial.
    /// - Returns: true with probability `p` (never for 0, always for 1).
    @inlinable @inline(__always)
    public mutating func chance(_ p: Double) -> Bool {
        p > 0 && (p >= 1 || nextUnit() < p)
    }

    @inlinable @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): used only to expand a seed into xoshiro state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's state; each draw adds the golden-ratio increment.
    public var state: UInt64

    /// Starts from `state`.
    public init(state: UInt64) { self.state = state }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
