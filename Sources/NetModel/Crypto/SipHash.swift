// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// pseudorandom function with a 128-bit key and a 64-bit output, designed to be used as a MAC.
// Hand-written so the package keeps its "toolchain only" rule. The cluster's frame MAC
// (`TCPFrameMAC`) uses it: about eight times cheaper per byte than HMAC-SHA256 here.

/// An incremental SipHash-2-4 computation under one 128-bit key.
///
/// Feed bytes with ``update(_:)`` in any number of parts, then ``finalize()``: the result is the
/// same as for the concatenation of the parts. Whole 8-byte words are read straight from the
/// caller's memory; only a tail of fewer than 8 bytes is kept. Nothing allocates.
///
/// ```swift
/// var mac = SipHash24(key: key)      // 16 bytes
/// mac.update(header)
/// mac.update(body)
/// let tag = mac.finalize()           // UInt64; its little-endian bytes are the reference output
/// ```
package struct SipHash24: Sendable {
    /// The bytes of a key.
    package static let keySize = 16

    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Bytes not yet absorbed, little-endian in the low `tailCount` bytes.
    private var tail: UInt64 = 0
    private var tailCount = 0
    /// Total bytes absorbed (only its low byte enters the result).
    private var byteCount = 0

    /// A computation under the first 16 bytes of `key` (k0 little-endian from bytes 0–7, k1 from
    /// bytes 8–15, as in the reference implementation).
    /// - Precondition: `key` has at least 16 bytes.
    package init(key: [UInt8]) {
        precondition(key.count >= SipHash24.keySize, "a SipHash key has 16 bytes")
        let (k0, k1) = key.withUnsafeBytes {
            (UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        self.init(k0: k0, k1: k1)
    }

    /// A computation under the key words `k0`, `k1`.
    package init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736f_6d65_7073_6575
        v1 = k1 ^ 0x646f_7261_6e64_6f6d
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    /// Absorbs `bytes`.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        let count = bytes.count
        byteCount &+= count
        if tailCount > 0 {
            while tailCount < 8 && offset < count {
                tail |= UInt64(bytes[offset]) << UInt64(tailCount * 8)
                tailCount += 1
                offset += 1
            }
            guard tailCount == 8 else { return }
            absorb(tail)
            tail = 0
            tailCount = 0
        }
        while count - offset >= 8 {
            absorb(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        while offset < count {
            tail |= UInt64(bytes[offset]) << UInt64(tailCount * 8)
            tailCount += 1
            offset += 1
        }
    }

    /// Absorbs the bytes of an array.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 64-bit output for everything absorbed (the computation is spent afterwards).
    package mutating func finalize() -> UInt64 {
        absorb(tail | UInt64(truncatingIfNeeded: byteCount) << 56)
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// One message word through two SipRounds.
    @inline(__always)
    private mutating func absorb(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }
}

extension UInt64 {
    /// The word rotated left by `n` bits (0 < n < 64).
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
