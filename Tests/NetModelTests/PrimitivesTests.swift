import Foundation
import Testing
@testable import NetModel

@Suite("NetModel primitives: names, hashing, randomness, latency")
struct PrimitivesTests {
    @Test("FNV-1a-64 matches the published test vectors", arguments: [
        ("", "cbf29ce484222325"), ("a", "af63dc4c8601ec8c"), ("foobar", "85944171f73967e8"),
    ])
    func fnvVectors(input: String, hex: String) {
        var h = FNV1a64()
        for b in input.utf8 { h.combine(byte: b) }
        #expect(h.hex == hex)
    }

    @Test("xoshiro256** seeded by SplitMix64 gives its fixed sequence (a replay contract)")
    func rngSequence() {
        var sm = SplitMix64(state: 0)
        // SplitMix64 reference outputs for state 0.
        #expect(sm.next() == 0xE220_A839_7B1D_CDAF)
        #expect(sm.next() == 0x6E78_9E6A_A1B9_65F4)
        var r = SeededRandom(seed: 1)
        let first = (0..<3).map { _ in r.next() }
        var again = SeededRandom(seed: 1)
        #expect(first == (0..<3).map { _ in again.next() })
        #expect(Set(first).count == 3)
    }

    @Test("unit draws are in [0, 1) and chance() honours 0 and 1")
    func unitDraws() {
        var r = SeededRandom(seed: 3)
        for _ in 0..<10_000 {
            let u = r.nextUnit()
            #expect(u >= 0 && u < 1)
        }
        #expect(!(0..<1000).contains { _ in r.chance(0) })
        #expect((0..<1000).allSatisfy { _ in r.chance(1) })
    }

    @Test("the stdlib-only ln(1-u) agrees with libm", arguments: [0.0, 1e-12, 0.1, 0.5, 0.9, 0.999999, 0.9999999999])
    func logAccuracy(u: Double) {
        let ours = log1pNegative(u)
        let libm = Foundation.log(1 - u)
        #expect(abs(ours - libm) <= 1e-14 * max(1, abs(libm)))
    }

    @Test("latency draws respect each distribution's bounds and mean")
    func latencyDistributions() {
        var r = SeededRandom(seed: 5)
        let uniform = LatencyDistribution.uniform(min: .milliseconds(2), max: .milliseconds(4)).sampler
        let expo = LatencyDistribution.exponential(mean: .milliseconds(2), min: .microseconds(200), max: .milliseconds(50)).sampler
        let bimodal = LatencyDistribution.bimodal(fast: .milliseconds(1), slow: .milliseconds(100), slowFraction: 0.1).sampler
        var sum = 0.0, slow = 0
        for _ in 0..<50_000 {
            let u = uniform.sample(using: &r)
            #expect(u >= 2_000_000 && u <= 4_000_000)
            let e = expo.sample(using: &r)
            #expect(e >= 200_000 && e <= 50_000_000)
            sum += Double(e)
            let b = bimodal.sample(using: &r)
            #expect(b == 1_000_000 || b == 100_000_000)
            if b == 100_000_000 { slow += 1 }
        }
        #expect(abs(sum / 50_000 - 2_000_000) < 60_000)     // clamping shifts the mean a little
        #expect(abs(Double(slow) - 5_000) < 5 * (50_000 * 0.1 * 0.9).squareRoot())
        #expect(LatencyDistribution.constant(.milliseconds(3)).sampler.sample(using: &r) == 3_000_000)
    }

    @Test("node names parse ROLE-N and nothing else", arguments: [
        ("frontend-3", true), ("management-1", true), ("client-1000", true), ("frontend-0", false),
        ("frontend-03", false), ("front-1", false), ("frontend", false), ("frontend-", false), ("frontend--1", false),
    ])
    func names(text: String, valid: Bool) {
        let name = NodeName(parsing: text)
        #expect((name != nil) == valid)
        if let name { #expect(name.description == text) }
    }

    @Test("partitions cut between groups, one-way only forward, never for outsiders")
    func partitions() {
        let a = NodeName(.frontend, 1), b = NodeName(.session, 1), c = NodeName(.management, 1), d = NodeName(.chat, 1)
        let p = Partition(groups: [[a], [b, c]])
        #expect(p.cuts(from: a, to: b) && p.cuts(from: c, to: a))
        #expect(!p.cuts(from: b, to: c) && !p.cuts(from: a, to: d))
        let one = Partition(groups: [[a], [b]], oneWay: true)
        #expect(one.cuts(from: a, to: b) && !one.cuts(from: b, to: a))
    }

    @Test("the event heap's limits of the slot pool hold many values and reuse slots")
    func slotPool() {
        let pool = SlotPool<String>(capacity: 2)
        let slots = (0..<100).map { pool.insert("v\($0)") }
        #expect(pool.take(slots[50]) == "v50")
        #expect(pool.take(slots[50]) == nil)
        let again = pool.insert("new")
        #expect(again == slots[50])
        #expect(pool.take(again) == "new")
    }
}
