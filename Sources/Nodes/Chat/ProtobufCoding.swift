/// Protobuf wire types (the low three bits of a field tag).
enum ChatProtoWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A hand-written protobuf (proto2) encoder for the few field kinds the chat messages use.
struct ChatProtoWriter: Sendable {
    private(set) var bytes: [UInt8] = []

    /// Appends a base-128 varint, least significant group first.
    mutating func appendVarint(_ value: UInt64) { Self.appendVarint(value, to: &bytes) }

    /// Appends the base-128 varint of `value` to `out` (the writer's encoding into any buffer:
    /// the chat server's fast paths frame into their own).
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// How many bytes the varint of a non-negative `value` takes.
    static func varintSize(_ value: Int) -> Int {
        var size = 1
        var v = value >> 7
        while v > 0 { size += 1; v >>= 7 }
        return size
    }

    /// Appends a field tag: `(field << 3) | wireType`.
    mutating func appendTag(field: Int, _ wireType: ChatProtoWireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends an `int32` (or enum) field; negative values sign-extend to 10-byte varints.
    mutating func appendInt32(field: Int, _ value: Int32) {
        appendTag(field: field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    /// Appends a length-delimited field holding raw bytes (a string or an embedded message).
    mutating func appendBytes(field: Int, _ value: [UInt8]) {
        appendTag(field: field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// Appends a `string` field as UTF-8.
    mutating func appendString(field: Int, _ value: String) {
        appendBytes(field: field, Array(value.utf8))
    }
}

/// A hand-written protobuf (proto2) decoder: reads tags and values, skips unknown fields by wire
/// type, and never traps on malformed input.
struct ChatProtoReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    /// Groups nest at most this deep when skipped.
    static let maxGroupDepth = 32

    /// A reader over `bytes` (a slice is copied into a fresh array).
    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes)
        self.index = 0
        self.end = self.bytes.count
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { index >= end }

    /// Reads a base-128 varint of at most 10 bytes; bits beyond 64 are dropped as protobuf does.
    mutating func readVarint() throws(ChatWireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < end else { throw .badProtobuf("truncated varint") }
            let byte = bytes[index]
            index += 1
            if shift < 64 { result |= UInt64(byte & 0x7f) << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift >= 70 { throw .badProtobuf("varint longer than 10 bytes") }
        }
    }

    /// Reads a field tag.
    /// - Returns: the field number and wire type, or `nil` at the end of the message.
    mutating func readTag() throws(ChatWireError) -> (field: Int, wireType: ChatProtoWireType)? {
        guard !isAtEnd else { return nil }
        let tag = try readVarint()
        guard tag <= UInt64(UInt32.max) else { throw .badProtobuf("field tag \(tag) out of range") }
        let field = Int(tag >> 3)
        guard field != 0 else { throw .badProtobuf("field number 0 is not allowed") }
        guard let wireType = ChatProtoWireType(rawValue: UInt8(tag & 7)) else {
            throw .badProtobuf("invalid wire type \(tag & 7) for field \(field)")
        }
        return (field, wireType)
    }

    /// Reads an `int32` (or enum) value: the low 32 bits of a varint.
    mutating func readInt32() throws(ChatWireError) -> Int32 {
        Int32(truncatingIfNeeded: try readVarint())
    }

    /// Reads a length-delimited value.
    mutating func readLengthDelimited() throws(ChatWireError) -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(end - index) else {
            throw .badProtobuf("length-delimited field of \(length) bytes runs past the end")
        }
        let start = index
        index += Int(length)
        return bytes[start..<index]
    }

    /// Reads a `string` value, which must be valid UTF-8.
    mutating func readString(_ name: String) throws(ChatWireError) -> String {
        let raw = try readLengthDelimited()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .badProtobuf("\(name) is not valid UTF-8")
        }
        return text
    }

    /// Skips the value of a field this decoder does not use, according to its wire type.
    mutating func skip(field: Int, _ wireType: ChatProtoWireType, depth: Int = 0) throws(ChatWireError) {
        switch wireType {
        case .varint:
            _ = try readVarint()
        case .fixed64:
            try skipBytes(8)
        case .fixed32:
            try skipBytes(4)
        case .lengthDelimited:
            _ = try readLengthDelimited()
        case .startGroup:
            guard depth < Self.maxGroupDepth else { throw .badProtobuf("groups nested too deeply") }
            while true {
                guard let (inner, innerType) = try readTag() else {
                    throw .badProtobuf("group \(field) is not closed")
                }
                if innerType == .endGroup {
                    guard inner == field else {
                        throw .badProtobuf("group \(field) closed by end-group \(inner)")
                    }
                    return
                }
                try skip(field: inner, innerType, depth: depth + 1)
            }
        case .endGroup:
            throw .badProtobuf("end-group \(field) without a matching start-group")
        }
    }

    private mutating func skipBytes(_ count: Int) throws(ChatWireError) {
        guard end - index >= count else { throw .badProtobuf("truncated fixed-width field") }
        index += count
    }
}
