import Foundation

/// Encodes `Encodable` values as MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md).
///
/// Mapping:
/// - keyed containers (structs, classes, enums with associated values) → maps with **string**
///   keys (`CodingKey.stringValue`), in the order the value's `encode(to:)` writes them, so
///   the output is deterministic; encoding a key twice replaces the earlier value in place;
/// - unkeyed containers and arrays → arrays; `[String: V]` → map with string keys;
/// - `nil` → c0. Optional properties use `encodeIfPresent`, which **omits the key** when the
///   value is nil (synthesized `Codable` does this); an explicit `encodeNil(forKey:)` writes c0;
/// - every integer width → the smallest format that holds the value (positive fixint, uint 8-64
///   for values ≥ 0; negative fixint, int 8-64 for negative values). `Int128`/`UInt128` are
///   accepted when the value fits in 64 bits;
/// - `Float` → float 32, `Double` → float 64 (never narrowed);
/// - `String` → fixstr / str 8 / str 16 / str 32;
/// - `Data` → bin 8 / bin 16 / bin 32. `[UInt8]` is **not** special-cased: through `Codable` it
///   is an array of integers (1-2 bytes per element); use `Data` for compact binary payloads;
/// - `Date` → the timestamp extension (ext type -1, timestamp 32/64/96, smallest form).
package struct MessagePackEncoder: Sendable {
    /// Contextual information passed to every `Encoder` the encoding creates.
    package var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    /// Whether a top-level `MessagePackHandCoded` value writes itself (the same bytes, faster);
    /// off: always through `Codable` (the reference the hand-written encoders are tested against).
    package var handCoding = true

    /// Creates an encoder.
    package init() {}

    /// Encodes `value` into one MessagePack byte array.
    ///
    /// The value is first collected into a light tree (needed because MessagePack writes
    /// element counts before elements), then its exact size is computed and the bytes are
    /// written into a single buffer allocated once.
    /// - Throws: ``MessagePackError`` if a string/binary/array/map exceeds 2^32 - 1, a 128-bit
    ///   integer does not fit in 64 bits, a `Date` is not finite, or nothing was encoded.
    package func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if handCoding, let hand = value as? any MessagePackHandCoded, let bytes = hand.handEncodedMessagePack() {
            return bytes
        }
        let encoder = MessagePackEncoderImpl(codingPath: [], userInfo: userInfo)
        let node: MessagePackNode
        if let special = try encoder.special(value, path: []) {
            node = special
        } else {
            try value.encode(to: encoder)
            guard let encoded = encoder.node else {
                throw MessagePackError.encoding(.noValueEncoded, [], "top-level \(T.self) did not encode any value")
            }
            node = encoded
        }
        var writer = MessagePackWriter(capacity: try node.encodedSize())
        node.write(to: &writer)
        return writer.bytes
    }
}

// MARK: - Intermediate tree

/// One encoded value before serialization. Scalars are stored inline (no per-value byte
/// arrays); containers are reference boxes so nested containers can be filled after creation.
enum MessagePackNode {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case data(Data)
    case ext(type: Int8, data: [UInt8])
    case array(MessagePackArrayBox)
    case map(MessagePackMapBox)
    /// A `superEncoder`'s value, known only once the caller finished with it.
    case deferred(MessagePackEncoderImpl)

    /// The exact number of bytes ``write(to:)`` appends; also enforces the 2^32 - 1 limits.
    func encodedSize() throws -> Int {
        func checked(_ count: Int, _ what: String) throws -> Int {
            guard MessagePackWriter.fitsLength(count) else {
                throw MessagePackError.encoding(.lengthTooLarge, [], "\(what) of \(count) exceeds 2^32 - 1")
            }
            return count
        }
        switch self {
        case .nil, .bool: return 1
        case .int(let value): return MessagePackWriter.intSize(value)
        case .uint(let value): return MessagePackWriter.uintSize(value)
        case .float: return 5
        case .double: return 9
        case .string(let value):
            let count = try checked(value.utf8.count, "string byte count")
            return MessagePackWriter.stringHeaderSize(count) + count
        case .data(let value):
            let count = try checked(value.count, "binary byte count")
            return MessagePackWriter.binaryHeaderSize(count) + count
        case .ext(_, let data):
            let count = try checked(data.count, "ext payload size")
            return MessagePackWriter.extHeaderSize(count) + count
        case .array(let box):
            var total = MessagePackWriter.containerHeaderSize(try checked(box.items.count, "array count"))
            for item in box.items { total += try item.encodedSize() }
            return total
        case .map(let box):
            var total = MessagePackWriter.containerHeaderSize(try checked(box.keys.count, "map count"))
            for key in box.keys {
                let count = try checked(key.utf8.count, "map key byte count")
                total += MessagePackWriter.stringHeaderSize(count) + count
            }
            for value in box.values { total += try value.encodedSize() }
            return total
        case .deferred(let encoder): return try encoder.resolvedNode.encodedSize()
        }
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
        case .data(let value): writer.writeBinary(value)
        case .ext(let type, let data): writer.writeExt(type: type, data: data)
        case .array(let box):
            writer.writeArrayHeader(count: box.items.count)
            for item in box.items { item.write(to: &writer) }
        case .map(let box):
            writer.writeMapHeader(count: box.keys.count)
            for (key, value) in zip(box.keys, box.values) {
                writer.write(key)
                value.write(to: &writer)
            }
        case .deferred(let encoder): encoder.resolvedNode.write(to: &writer)
        }
    }
}

/// The elements of an array being encoded.
final class MessagePackArrayBox {
    var items: [MessagePackNode] = []
}

/// The entries of a map being encoded, in insertion order. Re-setting a key replaces its value
/// in place. Lookup is a linear scan for small maps and a lazily built index for large ones.
final class MessagePackMapBox {
    private(set) var keys: [String] = []
    private(set) var values: [MessagePackNode] = []
    private var index: [String: Int]?
    private static let linearLimit = 16

    func position(of key: String) -> Int? {
        if keys.count <= Self.linearLimit { return keys.firstIndex(of: key) }
        if index == nil {
            var built: [String: Int] = [:]
            built.reserveCapacity(keys.count * 2)
            for (i, k) in keys.enumerated() { built[k] = i }
            index = built
        }
        return index?[key]
    }

    subscript(key: String) -> MessagePackNode? {
        position(of: key).map { values[$0] }
    }

    func set(_ key: String, _ node: MessagePackNode) {
        if let i = position(of: key) {
            values[i] = node
        } else {
            index?[key] = keys.count
            keys.append(key)
            values.append(node)
        }
    }
}

// MARK: - Encoder implementation

final class MessagePackEncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]
    /// What this encoder's value encoded to so far (`nil` until a container is requested).
    var node: MessagePackNode?

    init(codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    /// A value that requested no container encodes as an empty map (as Foundation's JSONEncoder).
    var resolvedNode: MessagePackNode { node ?? .map(MessagePackMapBox()) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let map: MessagePackMapBox
        if case .map(let existing)? = node {
            map = existing
        } else {
            map = MessagePackMapBox()
            node = .map(map)
        }
        return KeyedEncodingContainer(MessagePackKeyedEncoding<Key>(encoder: self, map: map, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: MessagePackArrayBox
        if case .array(let existing)? = node {
            array = existing
        } else {
            array = MessagePackArrayBox()
            node = .array(array)
        }
        return MessagePackUnkeyedEncoding(encoder: self, array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        MessagePackSingleValueEncoding(encoder: self)
    }

    /// The node for `value`: inline for primitives, `Data` and `Date`; otherwise via a child encoder.
    func box<T: Encodable>(_ value: T, path: @autoclosure () -> [any CodingKey]) throws -> MessagePackNode {
        if let special = try special(value, path: path()) { return special }
        let child = MessagePackEncoderImpl(codingPath: path(), userInfo: userInfo)
        try value.encode(to: child)
        return child.resolvedNode
    }

    /// Types encoded without a child encoder: `Data` (bin), `Date` (timestamp) and, as a fast
    /// path for generic collections such as `[String]` or `[Int]`, the common primitives.
    func special<T: Encodable>(_ value: T, path: @autoclosure () -> [any CodingKey]) throws -> MessagePackNode? {
        if T.self == String.self, let v = value as? String { return .string(v) }
        if T.self == Int.self, let v = value as? Int { return .int(Int64(v)) }
        if T.self == Int64.self, let v = value as? Int64 { return .int(v) }
        if T.self == UInt64.self, let v = value as? UInt64 { return .uint(v) }
        if T.self == UInt8.self, let v = value as? UInt8 { return .uint(UInt64(v)) }
        if T.self == Double.self, let v = value as? Double { return .double(v) }
        if T.self == Bool.self, let v = value as? Bool { return .bool(v) }
        if T.self == Data.self, let v = value as? Data { return .data(v) }
        if T.self == Date.self, let v = value as? Date {
            guard let payload = MessagePackTimestamp.payload(for: v) else {
                throw MessagePackError.encoding(.invalidTimestamp, path(), "date \(v) is not representable")
            }
            return .ext(type: MessagePackTimestamp.extType, data: payload)
        }
        return nil
    }

    static func node<T: FixedWidthInteger>(wide value: T, path: [any CodingKey]) throws -> MessagePackNode {
        if let v = Int64(exactly: value) { return .int(v) }
        if let v = UInt64(exactly: value) { return .uint(v) }
        throw MessagePackError.encoding(.numberOutOfRange, path, "\(value) does not fit in 64 bits")
    }
}
