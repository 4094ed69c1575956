import Testing
@testable import ClusterSim

@Suite("TimerSet: pending timer ids as a bitmap")
struct TimerSetTests {
    @Test func matchesASetUnderRandomTraffic() {
        var bits = TimerSet()
        var reference: Set<UInt64> = []
        var next: UInt64 = 1
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func draw() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        for step in 0..<300_000 {
            if draw() % 3 != 0 || reference.isEmpty {
                bits.insert(next); reference.insert(next); next += 1
            } else {
                // Remove a recent id most of the time, an old or unknown one sometimes.
                let back = draw() % (step % 1000 == 0 ? next : min(next, 200))
                let id = next - 1 - back
                let removed = bits.remove(id)
                #expect(removed == (reference.remove(id) != nil))
            }
            if step % 10_000 == 0 {
                for id in stride(from: next > 500 ? next - 500 : 1, to: next, by: 1) {
                    #expect(bits.contains(id) == reference.contains(id))
                }
            }
        }
        for id in reference.sorted() { let removed = bits.remove(id); #expect(removed) }
        let again = bits.remove(1)
        #expect(!again && !bits.contains(next - 1))
    }

    @Test func aLongTimerSurvivesCompaction() {
        var bits = TimerSet()
        bits.insert(1)
        for id in 2..<200_000 as Range<UInt64> { bits.insert(id); let r = bits.remove(id); #expect(r) }
        bits.insert(200_000)
        #expect(bits.contains(1) && bits.contains(200_000))
        let first = bits.remove(1)
        #expect(first)
        for id in 200_001..<400_000 as Range<UInt64> { bits.insert(id); let r = bits.remove(id); #expect(r) }
        #expect(bits.contains(200_000))
        let last = bits.remove(200_000)
        #expect(last && !bits.contains(200_000))
    }
}
