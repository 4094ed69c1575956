import NetModel
import Testing

/// `log1pNegative` scales 1 - u into [√½, √2) from its exponent and significand; every draw of
/// every trace depends on its bits, so it must equal the step-by-step scaling it replaced.
@Suite("ln(1-u): exponent scaling")
struct LogScalingTests {
    /// The earlier form: halve or double one step at a time, then the same series.
    static func stepwise(_ u: Double) -> Double {
        var m = 1 - u
        if m <= 0 { return -745 }
        var k = 0.0
        while m < 0.7071067811865476 { m *= 2; k -= 1 }
        while m >= 1.4142135623730951 { m *= 0.5; k += 1 }
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var p = 1.0 / 23
        for d in stride(from: 21.0, through: 1.0, by: -2.0) { p = p * z2 + 1.0 / d }
        return 2 * z * p + k * 0.6931471805599453
    }

    @Test("the same bits as stepwise scaling, for seeded draws and edge values")
    func sameBits() {
        var r = SeededRandom(seed: 42)
        var values = (0..<200_000).map { _ in r.nextUnit() }
        values += [0, 0x1p-53, 0.2928932188134524, 0.29289321881345254, 0.5, 1 - 0x1p-53, 0.75, -1, -3]
        for u in values {
            #expect(log1pNegative(u).bitPattern == Self.stepwise(u).bitPattern, "u = \(u)")
        }
    }
}
