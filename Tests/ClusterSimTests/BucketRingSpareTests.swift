@testable import ClusterSim
import NetModel
import Testing

/// The ring's spare buffers: a drained bucket's buffer is reused by the next bucket that grows,
/// keys survive every reuse, and the spares never hold more than their limit.
@Suite("BucketRing spares")
struct BucketRingSpareTests {
    /// Fills buckets with random counts of keys, drains them in random order, and compares each
    /// drained bucket with what was put in it.
    @Test("keys come back exactly through reused buffers", arguments: [1, 2, 3] as [UInt64])
    func keysSurviveReuse(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let ring = BucketRing(size: 64)
        var expected = Array(repeating: [UInt128](), count: 64)
        var sawSpares = false
        for _ in 0..<2_000 {
            let bucket = Int(rng.next() % 64)
            if rng.next() % 3 == 0 {
                var drained: [UInt128] = [0xDEAD]
                ring.drain(bucket, into: &drained)
                #expect(drained == [0xDEAD] + expected[bucket])
                expected[bucket] = []
                sawSpares = sawSpares || ring.spareBytes > 0
            } else {
                for _ in 0..<Int(rng.next() % 40) {
                    let key = UInt128(rng.next()) << 64 | UInt128(rng.next())
                    ring.append(key, to: bucket)
                    expected[bucket].append(key)
                }
            }
            #expect(ring.count == expected.reduce(0) { $0 + $1.count })
            #expect(ring.spareBytes <= BucketRing.spareBytesLimit)
        }
        #expect(sawSpares, "the run never kept a spare, so reuse was not exercised")
    }

    /// Buckets far larger than the limit: their buffers are freed, not kept.
    @Test("a buffer that would pass the limit is freed")
    func sparesStayUnderTheLimit() {
        let ring = BucketRing(size: 8)
        let keysPerBucket = BucketRing.spareBytesLimit / MemoryLayout<UInt128>.stride / 2 + 1
        for bucket in 0..<4 {
            for k in 0..<keysPerBucket { ring.append(UInt128(k), to: bucket) }
        }
        var drained: [UInt128] = []
        for bucket in 0..<4 { ring.drain(bucket, into: &drained) }
        #expect(drained.count == 4 * keysPerBucket)
        #expect(ring.spareBytes > 0)
        #expect(ring.spareBytes <= BucketRing.spareBytesLimit)
    }

    /// After a bucket is drained, the next bucket to fill up to the same size allocates nothing
    /// new: the spares shrink by the buffer it took.
    @Test("the next bucket to grow takes the spare")
    func nextBucketTakesTheSpare() {
        let ring = BucketRing(size: 8)
        for k in 0..<8 { ring.append(UInt128(k), to: 0) }
        var drained: [UInt128] = []
        ring.drain(0, into: &drained)
        let kept = ring.spareBytes
        #expect(kept == 8 * MemoryLayout<UInt128>.stride)
        ring.append(1, to: 1)
        #expect(ring.spareBytes == kept - 8 * MemoryLayout<UInt128>.stride)
    }
}
