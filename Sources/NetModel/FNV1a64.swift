/// FNV-1a, 64-bit (Fowler, Noll, Vo): offset basis 0xcbf29ce484222325, prime 0x100000001b3.
///
/// The trace hash and the RNG stream derivation use it because it is tiny, documented and
/// stable across processes and builds — unlike Swift's `Hasher`, which is seeded per process.
public struct FNV1a64: Sendable {
    /// The hash so far.
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A fresh hash (the offset basis).
    public init() {}

    /// Folds in one byte.
    @inlinable @inline(__always)
    public mutating func combine(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// Folds in the eight bytes of `v`, least significant first.
    @inlinable
    public mutating func combine(_ v: UInt64) {
        var x = v
        for _ in 0..<8 { combine(byte: UInt8(truncatingIfNeeded: x)); x >>= 8 }
    }

    /// Folds in `v` as an unsigned LEB128 varint: seven bits per byte, least significant first,
    /// the high bit set on every byte but the last (1 byte below 128, 10 at most).
    @inlinable
    public mutating func combine(varint v: UInt64) {
        var x = v
        while x >= 0x80 {
            combine(byte: UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        combine(byte: UInt8(truncatingIfNeeded: x))
    }

    /// Folds in `v` as eight little-endian bytes (two's complement).
    @inlinable
    public mutating func combine(_ v: Int64) { combine(UInt64(bitPattern: v)) }

    /// Folds in the UTF-8 bytes of `s`, then a 0xFF terminator (never a UTF-8 byte), so that
    /// ("ab","c") and ("a","bc") differ.
    @inlinable
    public mutating func combine(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { buf in
            for b in buf { combine(byte: b) }
        }
        if done == nil {
            for b in s.utf8 { combine(byte: b) }
        }
        combine(byte: 0xFF)
    }

    /// The hash as 16 lowercase hex digits.
    public var hex: String {
        let h = String(value, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }
}
