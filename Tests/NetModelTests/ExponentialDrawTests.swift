import Foundation
import NetModel
import Testing

/// `ExponentialDraw.nanoseconds` takes the platform's `log` when the whole nanoseconds cannot
/// differ from the series'; every latency of every trace depends on it being the exact path's.
@Suite("exponential draws: the fast path gives the exact whole nanoseconds")
struct ExponentialDrawTests {
    /// Draws whose exact value lies a few ulps from a whole number of nanoseconds: the inverse
    /// of the draw at every `step`-th whole number below `limit`, and the three doubles each side of it.
    static func nearWholeNumbers(mean: Double, upTo limit: Int, step: Int) -> [Double] {
        var draws: [Double] = []
        for n in stride(from: 1, to: limit, by: step) {
            var u = 1 - exp(-Double(n) / mean)
            for _ in 0..<3 { u = u.nextDown }
            for _ in 0..<7 {
                if u >= 0 && u < 1 { draws.append(u) }
                u = u.nextUp
            }
        }
        return draws
    }

    @Test("seeded draws at several means and bounds", arguments: [
        (2_000_000.0, Int64(200_000), Int64(50_000_000)),
        (2_000_000.0, Int64(0), Int64.max / 4),
        (1.0, Int64(0), Int64(1_000)),
        (0.0, Int64(0), Int64(10)),
        (1e12, Int64(0), Int64(3_000_000_000_000)),
    ])
    func seeded(mean: Double, lo: Int64, hi: Int64) {
        var r = SeededRandom(seed: 7)
        var draws = (0..<300_000).map { _ in r.nextUnit() }
        draws += [0, 0x1p-53, 0.5, 1 - 0x1p-53, 0.9999, 0x1p-30]
        for u in draws {
            let fast = ExponentialDraw.nanoseconds(u: u, mean: mean, min: lo, max: hi)
            let exact = ExponentialDraw.exactNanoseconds(u: u, mean: mean, min: lo, max: hi)
            #expect(fast == exact, "u = \(u), mean = \(mean)")
        }
    }

    @Test("draws within a few ulps of a whole number, where the platform's log would truncate differently")
    func nearBoundaries() {
        let mean = 2_000_000.0
        let draws = Self.nearWholeNumbers(mean: mean, upTo: 60_000_000, step: 997)
        var unguardedWrong = 0
        for u in draws {
            let exact = ExponentialDraw.exactNanoseconds(u: u, mean: mean, min: 0, max: .max / 4)
            #expect(ExponentialDraw.nanoseconds(u: u, mean: mean, min: 0, max: .max / 4) == exact, "u = \(u)")
            // The fast value with no margin: what a draw without the guard would give.
            if Int64(-mean * log(1 - u)) != exact { unguardedWrong += 1 }
        }
        // The set must hold draws where the platform's log alone is wrong; else it proves nothing.
        #expect(unguardedWrong > 100, "only \(unguardedWrong) of \(draws.count) draws tell the paths apart")
    }

    @Test("a bound that is a whole number near the draw: at and around `hi`")
    func aroundUpperBound() {
        let mean = 2_000_000.0
        for hi in [Int64(3_000_000), 4_567_891, 10_000_001] {
            var u = 1 - exp(-Double(hi) / mean)
            for _ in 0..<5 { u = u.nextDown }
            for _ in 0..<11 {
                #expect(ExponentialDraw.nanoseconds(u: u, mean: mean, min: 0, max: hi)
                        == ExponentialDraw.exactNanoseconds(u: u, mean: mean, min: 0, max: hi), "u = \(u), hi = \(hi)")
                u = u.nextUp
            }
        }
    }
}
