/// Appends MessagePack-encoded values to one growing byte buffer, always choosing the
/// smallest representation the specification allows.
///
/// Length-carrying writers (`string`, `binary`, `arrayHeader`, `mapHeader`, `ext`) require the
/// length to be at most `UInt32.max`; callers that can fail check ``fitsLength(_:)`` first.
///
/// `package`: the hand-written encoders of hot messages (`MessagePackHandCoded`) write with it.
package struct MessagePackWriter {
    /// The bytes written so far.
    package var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Whether `count` fits a MessagePack length (at most 2^32 - 1).
    package static func fitsLength(_ count: Int) -> Bool { count >= 0 && UInt64(count) <= UInt64(UInt32.max) }

    // MARK: Big-endian primitives

    @inline(__always)
    private mutating func put<T: FixedWidthInteger>(_ marker: UInt8, _ value: T) {
        bytes.append(marker)
        putBigEndian(value)
    }

    @inline(__always)
    private mutating func putBigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    // MARK: Scalars

    /// Writes nil.
    package mutating func writeNil() { bytes.append(0xc0) }

    /// Writes a boolean.
    package mutating func write(_ value: Bool) { bytes.append(value ? 0xc3 : 0xc2) }

    /// Non-negative values use positive fixint / uint 8-64; negative ones negative fixint / int 8-64.
    package mutating func write(_ value: Int64) {
        if value >= 0 { return write(UInt64(value)) }
        if value >= -32 {
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int8.min) {
            put(0xd0, Int8(value))
        } else if value >= Int64(Int16.min) {
            put(0xd1, Int16(value))
        } else if value >= Int64(Int32.min) {
            put(0xd2, Int32(value))
        } else {
            put(0xd3, value)
        }
    }

    /// Writes an unsigned integer in its smallest form.
    package mutating func write(_ value: UInt64) {
        if value <= 0x7f {
            bytes.append(UInt8(value))
        } else if value <= UInt64(UInt8.max) {
            put(0xcc, UInt8(value))
        } else if value <= UInt64(UInt16.max) {
            put(0xcd, UInt16(value))
        } else if value <= UInt64(UInt32.max) {
            put(0xce, UInt32(value))
        } else {
            put(0xcf, value)
        }
    }

    /// Writes a float 32.
    package mutating func write(_ value: Float) { put(0xca, value.bitPattern) }

    /// Writes a float 64.
    package mutating func write(_ value: Double) { put(0xcb, value.bitPattern) }

    // MARK: Length-prefixed payloads

    /// Writes a string: fixstr / str 8 / str 16 / str 32.
    package mutating func write(_ value: String) {
        let count = value.utf8.count
        if count < 32 {
            bytes.append(0xa0 | UInt8(count))
        } else {
            lengthHeader(count, UInt8: 0xd9, UInt16: 0xda, UInt32: 0xdb)
        }
        bytes.append(contentsOf: value.utf8)
    }

    /// Writes a binary payload: bin 8 / bin 16 / bin 32.
    package mutating func writeBinary<C: Collection>(_ payload: C) where C.Element == UInt8 {
        lengthHeader(payload.count, UInt8: 0xc4, UInt16: 0xc5, UInt32: 0xc6)
        bytes.append(contentsOf: payload)
    }

    /// Writes the header of an array of `count` elements.
    package mutating func writeArrayHeader(count: Int) {
        if count < 16 {
            bytes.append(0x90 | UInt8(count))
        } else {
            lengthHeader(count, UInt8: nil, UInt16: 0xdc, UInt32: 0xdd)
        }
    }

    /// Writes the header of a map of `count` entries.
    package mutating func writeMapHeader(count: Int) {
        if count < 16 {
            bytes.append(0x80 | UInt8(count))
        } else {
            lengthHeader(count, UInt8: nil, UInt16: 0xde, UInt32: 0xdf)
        }
    }

    /// fixext 1/2/4/8/16 when the payload has exactly that size, otherwise ext 8/16/32.
    package mutating func writeExt(type: Int8, data: [UInt8]) {
        let fixed: UInt8? = switch data.count {
        case 1: 0xd4
        case 2: 0xd5
        case 4: 0xd6
        case 8: 0xd7
        case 16: 0xd8
        default: nil
        }
        if let fixed {
            bytes.append(fixed)
        } else {
            lengthHeader(data.count, UInt8: 0xc7, UInt16: 0xc8, UInt32: 0xc9)
        }
        bytes.append(UInt8(bitPattern: type))
        bytes.append(contentsOf: data)
    }

    private mutating func lengthHeader(_ count: Int, UInt8 m8: UInt8?, UInt16 m16: UInt8, UInt32 m32: UInt8) {
        precondition(Self.fitsLength(count), "MessagePack lengths are limited to 2^32 - 1")
        if let m8, count <= Int(UInt8.max) {
            put(m8, UInt8(count))
        } else if count <= Int(UInt16.max) {
            put(m16, UInt16(count))
        } else {
            put(m32, UInt32(count))
        }
    }

    // MARK: Sizes (for reserveCapacity)

    static func intSize(_ value: Int64) -> Int {
        if value >= 0 { return uintSize(UInt64(value)) }
        if value >= -32 { return 1 }
        if value >= Int64(Int8.min) { return 2 }
        if value >= Int64(Int16.min) { return 3 }
        return value >= Int64(Int32.min) ? 5 : 9
    }

    static func uintSize(_ value: UInt64) -> Int {
        if value <= 0x7f { return 1 }
        if value <= UInt64(UInt8.max) { return 2 }
        if value <= UInt64(UInt16.max) { return 3 }
        return value <= UInt64(UInt32.max) ? 5 : 9
    }

    static func stringHeaderSize(_ count: Int) -> Int {
        count < 32 ? 1 : count <= Int(UInt8.max) ? 2 : count <= Int(UInt16.max) ? 3 : 5
    }

    static func binaryHeaderSize(_ count: Int) -> Int {
        count <= Int(UInt8.max) ? 2 : count <= Int(UInt16.max) ? 3 : 5
    }

    static func containerHeaderSize(_ count: Int) -> Int {
        count < 16 ? 1 : count <= Int(UInt16.max) ? 3 : 5
    }

    static func extHeaderSize(_ count: Int) -> Int {
        switch count {
        case 1, 2, 4, 8, 16: 2
        default: count <= Int(UInt8.max) ? 3 : count <= Int(UInt16.max) ? 4 : 6
        }
    }
}
