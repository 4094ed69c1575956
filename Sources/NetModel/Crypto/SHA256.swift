// SHA-256 as specified in FIPS 180-4, section 6.2. Hand-written so the package
// keeps its "toolchain only" rule (no CryptoKit / swift-crypto).

/// An incremental SHA-256 hasher (FIPS 180-4).
///
/// Feed bytes with any of the `update` overloads, then call ``finalize()`` to
/// obtain the 32-byte digest. Whole 64-byte blocks are compressed straight from
/// the caller's memory; only a tail of fewer than 64 bytes is kept, inline in the
/// hasher, and the message schedule lives in a stack-allocated scratch area, so
/// hashing does not allocate (``finalize()`` allocates its result array; HMAC
/// uses ``finalizeDigest()``, which does not).
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update("c".utf8)
/// let digest = hasher.finalize()   // ba7816bf…
/// ```
package struct SHA256: Sendable {
    /// The block size of SHA-256 in bytes; returns 64.
    package static let blockSize = 64
    /// The digest size of SHA-256 in bytes; returns 32.
    package static let digestSize = 32

    /// The eight working hash words H0…H7.
    private var state: State
    /// Bytes not yet compressed: the first `bufferCount` bytes of this block. Inline rather than
    /// an array: an HMAC copies its pre-keyed hashers for every tag, and an array buffer then
    /// cost a copy-on-write allocation per copy.
    private var buffer = Block()
    /// How many bytes of `buffer` are in use; always fewer than `blockSize` between calls.
    private var bufferCount = 0
    /// Total number of message bytes absorbed so far.
    private var byteCount: UInt64

    /// Creates a hasher in the FIPS 180-4 initial state; returns an empty hasher.
    package init() {
        state = State()
        byteCount = 0
    }

    /// Absorbs the bytes of any sequence; returns nothing.
    ///
    /// Sequences with contiguous storage (arrays, `String.UTF8View` of native
    /// strings, slices) take the fast block path; other sequences are absorbed
    /// a byte at a time.
    package mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }
        for byte in bytes {
            withUnsafeBytes(of: byte) { update($0) }
        }
    }

    /// Absorbs the bytes of an array (fast path); returns nothing.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs the bytes of a raw buffer (fast path); returns nothing.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        let total = bytes.count
        byteCount &+= UInt64(total)

        // Top up a partially filled buffer first.
        if bufferCount > 0 {
            let take = min(SHA256.blockSize - bufferCount, total)
            let start = bufferCount
            withUnsafeMutableBytes(of: &buffer) { block in
                (block.baseAddress! + start).copyMemory(from: base, byteCount: take)
            }
            bufferCount += take
            offset = take
            if bufferCount == SHA256.blockSize {
                compressBuffer()
            } else {
                return
            }
        }

        // Compress whole blocks directly from the caller's memory.
        let wholeBlocks = (total - offset) / SHA256.blockSize
        if wholeBlocks > 0 {
            state.compress(base + offset, blocks: wholeBlocks)
            offset += wholeBlocks * SHA256.blockSize
        }

        // Keep the tail for later.
        if offset < total {
            let tail = total - offset
            withUnsafeMutableBytes(of: &buffer) { block in
                block.baseAddress!.copyMemory(from: base + offset, byteCount: tail)
            }
            bufferCount = tail
        }
    }

    /// Pads the message, compresses the final block(s) and returns the 32-byte
    /// digest. The hasher is reset to its initial state afterwards, so it can be
    /// reused for a new message.
    package mutating func finalize() -> [UInt8] {
        let digest = finalizeDigest()
        return withUnsafeBytes(of: digest.bytes) { Array($0) }
    }

    /// Pads the message, compresses the final block(s) and returns the digest
    /// without allocating; the hasher is reset, as by ``finalize()``.
    package mutating func finalizeDigest() -> Digest {
        let bitLength = byteCount &* 8
        // 0x80, then zeros until the length is 56 mod 64, then the 64-bit length, big-endian.
        let used = bufferCount
        withUnsafeMutableBytes(of: &buffer) { block in
            block[used] = 0x80
            for i in (used + 1)..<SHA256.blockSize { block[i] = 0 }
        }
        if used >= 56 {
            compressBuffer()
            buffer = Block()
        }
        withUnsafeMutableBytes(of: &buffer) { block in
            block.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
        }
        compressBuffer()

        let h = state
        let digest = Digest(bytes: ((UInt64(h.h0) << 32 | UInt64(h.h1)).bigEndian,
                                    (UInt64(h.h2) << 32 | UInt64(h.h3)).bigEndian,
                                    (UInt64(h.h4) << 32 | UInt64(h.h5)).bigEndian,
                                    (UInt64(h.h6) << 32 | UInt64(h.h7)).bigEndian))
        state = State()
        bufferCount = 0
        byteCount = 0
        return digest
    }

    /// Hashes `bytes` in one shot; returns the 32-byte SHA-256 digest.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes the bytes of any sequence in one shot (for example `"abc".utf8`);
    /// returns the 32-byte SHA-256 digest.
    package static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Compresses the full 64-byte buffer and empties it.
    private mutating func compressBuffer() {
        let block = buffer
        withUnsafeBytes(of: block) { raw in
            state.compress(raw.baseAddress!, blocks: 1)
        }
        bufferCount = 0
    }

    /// A 32-byte digest held inline: its bytes, in order, are the memory of `bytes`.
    package struct Digest: Sendable {
        /// The digest's bytes as four words laid out in byte order (read them with
        /// `withUnsafeBytes(of:)`).
        package var bytes: (UInt64, UInt64, UInt64, UInt64)
    }

    /// One 64-byte block of memory.
    private struct Block: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    }
}

extension SHA256 {
    /// The SHA-256 round constants K0…K63 (FIPS 180-4, 4.2.2).
    fileprivate static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The eight 32-bit hash words, initialised per FIPS 180-4, 5.3.3.
    fileprivate struct State: Sendable {
        var h0: UInt32 = 0x6a09e667
        var h1: UInt32 = 0xbb67ae85
        var h2: UInt32 = 0x3c6ef372
        var h3: UInt32 = 0xa54ff53a
        var h4: UInt32 = 0x510e527f
        var h5: UInt32 = 0x9b05688c
        var h6: UInt32 = 0x1f83d9ab
        var h7: UInt32 = 0x5be0cd19

        @inline(__always)
        private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
            (x >> n) | (x << (32 &- n))
        }

        /// One SHA-256 round (FIPS 180-4, 6.2.2 step 3) on the working variables named by
        /// position: `d` becomes `d + T1` (the new `e`) and `h` becomes `T1 + T2` (the new `a`).
        @inline(__always)
        private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                                  _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
            let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            d = d &+ t1
            h = t1 &+ t2
        }

        /// Runs the compression function over `blocks` consecutive 64-byte blocks.
        mutating func compress(_ data: UnsafeRawPointer, blocks: Int) {
            SHA256.roundConstants.withUnsafeBufferPointer { k in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    for block in 0..<blocks {
                        let p = data + block * SHA256.blockSize
                        for t in 0..<16 {
                            w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
                        }
                        for t in 16..<64 {
                            let x = w[t - 15], y = w[t - 2]
                            let s0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x >> 3)
                            let s1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y >> 10)
                            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                        }

                        var a = h0, b = h1, c = h2, d = h3
                        var e = h4, f = h5, g = h6, h = h7
                        // Eight rounds per pass with the working variables' roles rotated by
                        // argument order, so no round moves all eight variables along.
                        var t = 0
                        while t < 64 {
                            Self.round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                            Self.round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                            Self.round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                            Self.round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                            Self.round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                            Self.round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                            Self.round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                            Self.round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                            t += 8
                        }
                        h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                        h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                    }
                }
            }
        }
    }
}
