import NetModel

/// The swarm's dice: one seeded stream (``SeededRandom``) with the draws an experiment needs.
/// Integer draws use rejection-free multiply-shift on 64 bits (`Int.random(in:using:)` is not
/// specified to stay the same across toolchains, so the swarm does not use it).
struct SwarmDraw {
    private var random: SeededRandom

    /// The stream `swarm/<part>` of the swarm seed `seed`.
    init(seed: UInt64, part: String) {
        random = SeededRandom(seed: seed, stream: "swarm/" + part)
    }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(random.next().multipliedFullWidth(by: span).high)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { random.chance(p) }

    /// One element of `items` (not empty), uniformly.
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// A duration in `range` milliseconds, whole milliseconds.
    mutating func milliseconds(_ range: ClosedRange<Int>) -> Duration { .milliseconds(int(range)) }

    /// `int(range) × step` as a Double (`step` 0.01 gives values like 0.37, printed exactly so).
    mutating func steps(_ range: ClosedRange<Int>, of step: Double) -> Double {
        let k = int(range)
        return step < 1 ? Double(k) / (1 / step).rounded() : Double(k) * step
    }

    /// A rate of `steps(range, of: step)` per second.
    mutating func rate(_ range: ClosedRange<Int>, of step: Double) -> Rate { Rate(perSecond: steps(range, of: step)) }

    /// `items` in a random order (Fisher–Yates).
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var out = items
        if out.count < 2 { return out }
        for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, int(0...i)) }
        return out
    }
}
