import Glibc

/// A forward-only reader of MessagePack bytes for hand-written decoders of hot messages
/// (`MessagePackHandCoded`).
///
/// Every read checks the remaining input first and returns nil (or false) when the next item is
/// not of the form asked for, leaving the cursor where it was: a hand-written decoder that gets
/// nil gives up, and `MessagePackDecoder` decodes the bytes through `Codable` instead, which
/// accepts every valid form and reports what is wrong with an invalid one. Nothing here traps.
package struct MessagePackCursor {
    /// The input.
    package let bytes: [UInt8]
    /// The offset of the next item.
    package private(set) var offset = 0

    /// A cursor at the start of `bytes`.
    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Whether every byte was read.
    package var isAtEnd: Bool { offset == bytes.count }

    /// A map header (fixmap, map 16, map 32).
    /// - Returns: its entry count, or nil when the next item is not a map or claims more entries
    ///   than bytes remain.
    package mutating func mapHeader() -> Int? { containerHeader(fix: 0x80, wide16: 0xde, wide32: 0xdf, perItem: 2) }

    /// An array header (fixarray, array 16, array 32).
    /// - Returns: its element count, or nil when the next item is not an array or claims more
    ///   elements than bytes remain.
    package mutating func arrayHeader() -> Int? { containerHeader(fix: 0x90, wide16: 0xdc, wide32: 0xdd, perItem: 1) }

    /// Reads the string `expected` (a map key) without making a `String`.
    /// - Returns: false (and reads nothing) when the next item is another string or not a string.
    package mutating func key(_ expected: StaticString) -> Bool {
        let start = offset
        guard let range = stringRange() else { return false }
        // Compared as raw memory: a generic `zip` over a slice cost a metadata lookup per key.
        let same = expected.withUTF8Buffer { key in
            key.count == range.count && bytes.withUnsafeBufferPointer { all in
                key.count == 0 || memcmp(key.baseAddress!, all.baseAddress! + range.lowerBound, key.count) == 0
            }
        }
        if !same { offset = start }
        return same
    }

    /// A string (valid UTF-8).
    /// - Returns: nil (reading nothing) when the next item is not a string or not valid UTF-8.
    package mutating func string() -> String? {
        let start = offset
        guard let range = stringRange() else { return nil }
        // ASCII (every user name, key and most lines) is valid UTF-8 as it is: made straight from
        // the bytes; anything else is validated (`String(validating:)` over a slice looked up
        // generic metadata on every call: 5% of a session node's CPU under chat load).
        let text: String? = bytes.withUnsafeBufferPointer { all in
            let slice = UnsafeBufferPointer(rebasing: all[range])
            var high: UInt8 = 0
            for byte in slice { high |= byte }
            if high < 0x80 { return String(decoding: slice, as: UTF8.self) }
            return String(validating: slice, as: UTF8.self)
        }
        guard let text else {
            offset = start
            return nil
        }
        return text
    }

    /// An unsigned integer (positive fixint, uint 8-64).
    /// - Returns: nil (reading nothing) when the next item is not one.
    package mutating func uint64() -> UInt64? {
        guard offset < bytes.count else { return nil }
        let b = bytes[offset]
        if b <= 0x7f {
            offset += 1
            return UInt64(b)
        }
        guard (0xcc...0xcf).contains(b) else { return nil }
        return bigEndian(width: 1 << Int(b - 0xcc))
    }

    /// A signed integer that fits `Int64` (any fixint, uint 8-64, int 8-64).
    /// - Returns: nil (reading nothing) when the next item is not one, or does not fit.
    package mutating func int64() -> Int64? {
        guard offset < bytes.count else { return nil }
        let b = bytes[offset]
        if b >= 0xe0 {
            offset += 1
            return Int64(Int8(bitPattern: b))
        }
        if (0xd0...0xd3).contains(b) {
            let width = 1 << Int(b - 0xd0)
            guard let raw = bigEndian(width: width) else { return nil }
            let shift = UInt64(64 - 8 * width)
            return Int64(bitPattern: raw << shift) >> shift
        }
        let start = offset
        guard let value = uint64() else { return nil }
        guard let fits = Int64(exactly: value) else {
            offset = start
            return nil
        }
        return fits
    }

    /// An empty map (`{}`: a case without associated values, in `Codable`'s form).
    /// - Returns: false (reading nothing) when the next item is something else.
    package mutating func emptyMap() -> Bool {
        guard offset < bytes.count, bytes[offset] == 0x80 else { return false }
        offset += 1
        return true
    }

    // MARK: private

    /// The payload range of the string at `offset`, read past it.
    private mutating func stringRange() -> Range<Int>? {
        guard offset < bytes.count else { return nil }
        let b = bytes[offset]
        let start = offset
        let length: Int
        if (0xa0...0xbf).contains(b) {
            offset += 1
            length = Int(b & 0x1f)
        } else if (0xd9...0xdb).contains(b) {
            guard let n = bigEndian(width: 1 << Int(b - 0xd9)) else { return nil }
            length = Int(n)
        } else {
            return nil
        }
        guard length <= bytes.count - offset else {
            offset = start
            return nil
        }
        defer { offset += length }
        return offset..<offset + length
    }

    private mutating func containerHeader(fix: UInt8, wide16: UInt8, wide32: UInt8, perItem: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let b = bytes[offset]
        let start = offset
        let count: Int
        if b & 0xf0 == fix {
            offset += 1
            count = Int(b & 0x0f)
        } else if b == wide16 || b == wide32 {
            guard let n = bigEndian(width: b == wide16 ? 2 : 4) else { return nil }
            count = Int(n)
        } else {
            return nil
        }
        // Each element takes at least one byte (a map entry two): a forged count is refused here.
        guard count <= (bytes.count - offset) / perItem else {
            offset = start
            return nil
        }
        return count
    }

    /// The `width`-byte big-endian number after the format byte at `offset`, read past both.
    private mutating func bigEndian(width: Int) -> UInt64? {
        guard width <= bytes.count - offset - 1 else { return nil }
        var value: UInt64 = 0
        for i in 1...width { value = value << 8 | UInt64(bytes[offset + i]) }
        offset += 1 + width
        return value
    }
}
