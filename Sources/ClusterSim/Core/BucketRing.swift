/// The ring of `EventHeap`: `size` buckets of event keys, unsorted, each on its own buffer, given
/// back when the bucket is drained (kept, the room of 32,768 buckets at their fullest cost ~2.8 KB
/// per client at 10,000 clients: peak RSS 198 MB against 170 MB).
///
/// A buffer given back goes to a small pool of spares by size (at most `spareBytesLimit` in all),
/// which the next bucket to grow takes from: in a steady run the ring allocates nothing (before,
/// one allocation every ~7 events, each through `posix_memalign` for the keys' 16-byte alignment).
///
/// Plain buffers, not an array of arrays: each append to a nested array checked the uniqueness
/// of both arrays.
final class BucketRing {
    private struct Bucket {
        var keys: UnsafeMutablePointer<UInt128>?
        var count = 0
        var capacity = 0
    }

    /// The number of buckets (a power of two).
    let size: Int
    private let buckets: UnsafeMutablePointer<Bucket>
    /// Keys in all buckets together.
    private(set) var count = 0
    /// Buffers given back, by size class: class `c` (buffers of `8 << c` keys) in slots
    /// `c * sparesPerClass ..< c * sparesPerClass + spareCounts[c]`. Plain buffers, not an array
    /// of arrays: the nested arrays' uniqueness and exclusivity checks cost more than malloc.
    private let spares: UnsafeMutablePointer<UnsafeMutablePointer<UInt128>>
    private let spareCounts: UnsafeMutablePointer<Int>
    /// The bytes held in the spares.
    private(set) var spareBytes = 0

    /// Size classes kept as spares: 8 to 8 << 15 keys.
    static let sizeClasses = 16
    /// The most spares of one size class.
    static let sparesPerClass = 256
    /// The most bytes the spares hold; a buffer beyond it is freed.
    static let spareBytesLimit = 4 << 20

    /// An empty ring of `size` buckets (a power of two).
    init(size: Int) {
        precondition(size > 0 && size & (size - 1) == 0, "the ring's size must be a power of two")
        self.size = size
        buckets = .allocate(capacity: size)
        buckets.initialize(repeating: Bucket(), count: size)
        spares = .allocate(capacity: Self.sizeClasses * Self.sparesPerClass)
        spareCounts = .allocate(capacity: Self.sizeClasses)
        spareCounts.initialize(repeating: 0, count: Self.sizeClasses)
    }

    deinit {
        for i in 0..<size { buckets[i].keys?.deallocate() }
        for c in 0..<Self.sizeClasses {
            for i in 0..<spareCounts[c] { spares[c * Self.sparesPerClass + i].deallocate() }
        }
        spares.deallocate()
        spareCounts.deallocate()
        buckets.deallocate()
    }

    /// Appends `key` to bucket `index` (mod `size`).
    @inline(__always)
    func append(_ key: UInt128, to index: Int) {
        let b = buckets + (index & (size - 1))
        if b.pointee.count == b.pointee.capacity { grow(b) }
        b.pointee.keys.unsafelyUnwrapped[b.pointee.count] = key
        b.pointee.count += 1
        count += 1
    }

    /// Moves every key of bucket `index` (mod `size`) to the end of `keys`, leaving it empty.
    func drain(_ index: Int, into keys: inout [UInt128]) {
        let b = buckets + (index & (size - 1))
        guard b.pointee.count > 0 else { return }
        keys.append(contentsOf: UnsafeBufferPointer(start: b.pointee.keys, count: b.pointee.count))
        count -= b.pointee.count
        release(b.pointee.keys.unsafelyUnwrapped, capacity: b.pointee.capacity)
        b.pointee = Bucket()
    }

    /// Removes the keys `isRemoved` accepts from every bucket (the others keep their order).
    func removeAll(where isRemoved: (UInt128) -> Bool) {
        guard count > 0 else { return }
        for i in 0..<size where buckets[i].count > 0 {
            let keys = buckets[i].keys.unsafelyUnwrapped
            var kept = 0
            for j in 0..<buckets[i].count where !isRemoved(keys[j]) {
                keys[kept] = keys[j]
                kept += 1
            }
            count -= buckets[i].count - kept
            buckets[i].count = kept
        }
    }

    private func grow(_ b: UnsafeMutablePointer<Bucket>) {
        let capacity = max(8, b.pointee.capacity * 2)
        let keys = take(capacity: capacity)
        if let old = b.pointee.keys {
            keys.moveInitialize(from: old, count: b.pointee.count)
            release(old, capacity: b.pointee.capacity)
        }
        b.pointee.keys = keys
        b.pointee.capacity = capacity
    }

    /// A buffer of `capacity` keys (a power of two, at least 8): a spare of that size if any.
    private func take(capacity: Int) -> UnsafeMutablePointer<UInt128> {
        let sizeClass = Self.sizeClass(capacity)
        if sizeClass < Self.sizeClasses, spareCounts[sizeClass] > 0 {
            spareCounts[sizeClass] -= 1
            spareBytes -= capacity * MemoryLayout<UInt128>.stride
            return spares[sizeClass * Self.sparesPerClass + spareCounts[sizeClass]]
        }
        return .allocate(capacity: capacity)
    }

    /// Gives back `keys`, a buffer of `capacity` keys: kept as a spare while the spares have room.
    private func release(_ keys: UnsafeMutablePointer<UInt128>, capacity: Int) {
        let sizeClass = Self.sizeClass(capacity)
        let bytes = capacity * MemoryLayout<UInt128>.stride
        if sizeClass < Self.sizeClasses, spareCounts[sizeClass] < Self.sparesPerClass,
           spareBytes + bytes <= Self.spareBytesLimit {
            spares[sizeClass * Self.sparesPerClass + spareCounts[sizeClass]] = keys
            spareCounts[sizeClass] += 1
            spareBytes += bytes
        } else {
            keys.deallocate()
        }
    }

    /// The size class of a buffer of `capacity` keys: log2(capacity / 8).
    private static func sizeClass(_ capacity: Int) -> Int { (capacity >> 3).trailingZeroBitCount }
}
