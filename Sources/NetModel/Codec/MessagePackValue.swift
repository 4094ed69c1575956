/// A dynamically typed MessagePack value: the full data model of the specification,
/// including extension types, with byte-exact ``encoded()`` and total ``decode(_:maxDepth:)``.
///
/// Equality is structural with two deliberate choices:
/// - integers compare by numeric value, so `.int(5) == .uint(5)` (the encoder writes both as
///   positive fixint 05, and the decoder returns `.uint` for the unsigned families and
///   positive fixint, `.int` for the signed families and negative fixint);
/// - floats compare by bit pattern, so `NaN == NaN` (same bits) and `0.0 != -0.0`, matching
///   whether two values encode to the same bytes.
package enum MessagePackValue: Equatable, Sendable {
    /// nil (c0).
    case `nil`
    /// false (c2) / true (c3).
    case bool(Bool)
    /// A signed integer; encoded in the smallest int/uint family that holds it.
    case int(Int64)
    /// An unsigned integer; encoded in the smallest uint family that holds it.
    case uint(UInt64)
    /// float 32 (ca).
    case float(Float)
    /// float 64 (cb).
    case double(Double)
    /// A UTF-8 string: fixstr / str 8 / str 16 / str 32.
    case string(String)
    /// Raw bytes: bin 8 / bin 16 / bin 32.
    case binary([UInt8])
    /// fixarray / array 16 / array 32.
    case array([MessagePackValue])
    /// fixmap / map 16 / map 32; entries keep their order and keys may be any value.
    case map([(key: MessagePackValue, value: MessagePackValue)])
    /// An extension value: fixext 1/2/4/8/16 or ext 8/16/32. Type -1 is the timestamp.
    case ext(type: Int8, data: [UInt8])

    /// The default nesting limit for arrays and maps when decoding.
    package static let defaultMaxDepth = 512

    /// Decodes exactly one value from `bytes`.
    ///
    /// - Parameter maxDepth: the deepest array/map nesting accepted (hostile-input guard).
    /// - Throws: ``MessagePackError`` with the byte offset for any malformed input, including
    ///   trailing bytes after the value.
    package static func decode(
        _ bytes: some Collection<UInt8>, maxDepth: Int = MessagePackValue.defaultMaxDepth
    ) throws -> MessagePackValue {
        let reader = MessagePackReader(bytes: Array(bytes), maxDepth: maxDepth)
        try reader.validate()
        return try reader.value(at: 0).value
    }

    /// The MessagePack encoding of this value, using the smallest representation for every
    /// integer, length and ext size.
    ///
    /// - Precondition: no string, binary, ext payload, array or map exceeds 2^32 - 1
    ///   bytes/elements (a limit of the format).
    package func encoded() -> [UInt8] {
        var writer = MessagePackWriter()
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout MessagePackWriter) {
        switch self {
        case .nil: writer.writeNil()
        case .bool(let value): writer.write(value)
        case .int(let value): writer.write(value)
        case .uint(let value): writer.write(value)
        case .float(let value): writer.write(value)
        case .double(let value): writer.write(value)
        case .string(let value): writer.write(value)
        case .binary(let value): writer.writeBinary(value)
        case .array(let items):
            writer.writeArrayHeader(count: items.count)
            for item in items { item.write(to: &writer) }
        case .map(let entries):
            writer.writeMapHeader(count: entries.count)
            for entry in entries {
                entry.key.write(to: &writer)
                entry.value.write(to: &writer)
            }
        case .ext(let type, let data): writer.writeExt(type: type, data: data)
        }
    }

    /// Structural equality; see the type documentation for integers and floats.
    package static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)): return a >= 0 && UInt64(a) == b
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.ext(let t1, let d1), .ext(let t2, let d2)): return t1 == t2 && d1 == d2
        default: return false
        }
    }
}

extension MessagePackReader {
    /// Builds the value at `offset`. Recursive, so only call it on input that passed
    /// `validate()`, which bounds the nesting depth.
    func value(at offset: Int) throws -> (value: MessagePackValue, end: Int) {
        let h = try header(at: offset)
        switch h.kind {
        case .nil: return (.nil, h.end)
        case .bool(let value): return (.bool(value), h.end)
        case .uint(let value): return (.uint(value), h.end)
        case .int(let value): return (.int(value), h.end)
        case .float(let value): return (.float(value), h.end)
        case .double(let value): return (.double(value), h.end)
        case .string(let range):  // UTF-8 already checked by validate()
            return (.string(String(decoding: bytes[range], as: UTF8.self)), h.end)
        case .binary(let range): return (.binary(Array(bytes[range])), h.end)
        case .ext(let type, let range): return (.ext(type: type, data: Array(bytes[range])), h.end)
        case .array(let count):
            var items: [MessagePackValue] = []
            items.reserveCapacity(count)  // count <= remaining bytes, checked by header(at:)
            var position = h.end
            for _ in 0..<count {
                let (item, end) = try value(at: position)
                items.append(item)
                position = end
            }
            return (.array(items), position)
        case .map(let count):
            var entries: [(key: MessagePackValue, value: MessagePackValue)] = []
            entries.reserveCapacity(count)
            var position = h.end
            for _ in 0..<count {
                let (key, keyEnd) = try value(at: position)
                let (item, end) = try value(at: keyEnd)
                entries.append((key, item))
                position = end
            }
            return (.map(entries), position)
        }
    }
}

extension MessagePackValue: ExpressibleByNilLiteral {
    /// `nil` as ``MessagePackValue/nil``.
    package init(nilLiteral: ()) { self = .nil }
}

extension MessagePackValue: ExpressibleByBooleanLiteral {
    /// A boolean literal as ``MessagePackValue/bool(_:)``.
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension MessagePackValue: ExpressibleByIntegerLiteral {
    /// An integer literal as ``MessagePackValue/int(_:)``.
    package init(integerLiteral value: Int64) { self = .int(value) }
}

extension MessagePackValue: ExpressibleByFloatLiteral {
    /// A floating-point literal as ``MessagePackValue/double(_:)``.
    package init(floatLiteral value: Double) { self = .double(value) }
}

extension MessagePackValue: ExpressibleByStringLiteral {
    /// A string literal as ``MessagePackValue/string(_:)``.
    package init(stringLiteral value: String) { self = .string(value) }
}

extension MessagePackValue: ExpressibleByArrayLiteral {
    /// An array literal as ``MessagePackValue/array(_:)``.
    package init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
}

extension MessagePackValue: ExpressibleByDictionaryLiteral {
    /// A dictionary literal as an ordered ``MessagePackValue/map(_:)`` (literal order is kept).
    package init(dictionaryLiteral elements: (MessagePackValue, MessagePackValue)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}
