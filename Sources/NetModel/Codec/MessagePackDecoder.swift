import Foundation

/// Decodes `Decodable` values from MessagePack produced by ``MessagePackEncoder`` or any
/// conforming implementation.
///
/// Decoding is total: the whole input is first validated in one iterative pass (every length
/// and element count is checked against the remaining bytes before anything is allocated,
/// strings must be valid UTF-8, arrays/maps may nest at most ``maxDepth`` deep, and exactly one
/// value with no trailing bytes is accepted). Any failure — there or later, e.g. a wrong type —
/// throws a ``MessagePackError`` with the byte offset and coding path; nothing traps.
///
/// Type rules:
/// - integers: any int/uint family is accepted if the value fits the requested Swift type
///   exactly (`300` as `UInt8` or `-1` as `UInt` throws ``MessagePackError/Kind/numberOutOfRange``);
/// - `Double` accepts float 64, float 32 and exactly representable integers; `Float` accepts
///   float 32, float 64 (rounded, but not overflowing to infinity) and exact integers;
/// - `Data` requires bin 8/16/32; `Date` requires the timestamp extension (ext -1);
/// - keyed containers require a map whose keys are strings (integer keys are accepted and
///   matched by their decimal text); a key occurring twice is rejected
///   (``MessagePackError/Kind/duplicateKey``); entries for unknown keys are ignored;
/// - a missing key throws ``MessagePackError/Kind/keyNotFound``; a nil where a value is
///   required throws ``MessagePackError/Kind/valueNotFound``; `decodeIfPresent` (synthesized
///   for optionals) yields `nil` for both an absent key and an explicit nil.
package struct MessagePackDecoder: Sendable {
    /// Contextual information passed to every `Decoder` the decoding creates.
    package var userInfo: [CodingUserInfoKey: any Sendable] = [:]
    /// The deepest array/map nesting accepted; deeper input throws
    /// ``MessagePackError/Kind/depthLimitExceeded`` instead of risking a stack overflow.
    package var maxDepth: Int = MessagePackValue.defaultMaxDepth
    /// Whether a top-level `MessagePackHandCoded` type reads its own form first (falling back to
    /// `Codable` for anything else); off: always through `Codable`.
    package var handCoding = true

    /// Creates a decoder.
    package init() {}

    /// Decodes a value of `type` from exactly the bytes given.
    /// - Throws: ``MessagePackError`` (with offset) for malformed input or a type mismatch.
    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if handCoding, let hand = T.self as? any MessagePackHandCoded.Type,
           let value = hand.handDecodedMessagePack(bytes) as? T {
            return value
        }
        let reader = MessagePackReader(bytes: bytes, maxDepth: maxDepth)
        try reader.validate()
        let decoder = MessagePackDecoderImpl(reader: reader, offset: 0, codingPath: [], userInfo: userInfo)
        return try decoder.unbox(type, at: 0, path: [])
    }

    /// Decodes a value of `type` from any byte collection (`Data`, `ArraySlice<UInt8>`, …).
    /// Offsets in errors count from the collection's first byte.
    package func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try decode(type, from: Array(bytes))
    }
}

final class MessagePackDecoderImpl: Decoder {
    let reader: MessagePackReader
    /// Offset of the item this decoder reads.
    let offset: Int
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    init(reader: MessagePackReader, offset: Int, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.reader = reader
        self.offset = offset
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try MessagePackKeyedDecoding<Key>(decoder: self, offset: offset, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try MessagePackUnkeyedDecoding(decoder: self, offset: offset, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        MessagePackSingleValueDecoding(decoder: self)
    }

    /// Decodes the item at `offset` as `T`: inline for primitives, `Data` and `Date`,
    /// otherwise through `T.init(from:)` with a child decoder.
    func unbox<T: Decodable>(_ type: T.Type, at offset: Int, path: @autoclosure () -> [any CodingKey]) throws -> T {
        let r = reader
        if let value = try withMessagePackPath(path(), { () throws -> T? in
            if T.self == String.self { return try r.decodeString(at: offset) as? T }
            if T.self == Int.self { return try r.decodeInteger(Int.self, at: offset) as? T }
            if T.self == Int64.self { return try r.decodeInteger(Int64.self, at: offset) as? T }
            if T.self == UInt64.self { return try r.decodeInteger(UInt64.self, at: offset) as? T }
            if T.self == UInt8.self { return try r.decodeInteger(UInt8.self, at: offset) as? T }
            if T.self == Double.self { return try r.decodeDouble(at: offset) as? T }
            if T.self == Bool.self { return try r.decodeBool(at: offset) as? T }
            if T.self == Data.self { return try r.decodeData(at: offset) as? T }
            if T.self == Date.self { return try r.decodeDate(at: offset) as? T }
            return nil
        }) {
            return value
        }
        let child = MessagePackDecoderImpl(reader: reader, offset: offset, codingPath: path(), userInfo: userInfo)
        return try withMessagePackPath(path()) { try T(from: child) }
    }
}

/// Single-value container over the decoder's own item.
struct MessagePackSingleValueDecoding: SingleValueDecodingContainer {
    let decoder: MessagePackDecoderImpl

    var codingPath: [any CodingKey] { decoder.codingPath }

    private func read<R>(_ body: (MessagePackReader, Int) throws -> R) throws -> R {
        try withMessagePackPath(codingPath) { try body(decoder.reader, decoder.offset) }
    }

    func decodeNil() -> Bool { (try? decoder.reader.isNil(at: decoder.offset)) ?? false }
    func decode(_ type: Bool.Type) throws -> Bool { try read { try $0.decodeBool(at: $1) } }
    func decode(_ type: String.Type) throws -> String { try read { try $0.decodeString(at: $1) } }
    func decode(_ type: Double.Type) throws -> Double { try read { try $0.decodeDouble(at: $1) } }
    func decode(_ type: Float.Type) throws -> Float { try read { try $0.decodeFloat(at: $1) } }
    func decode(_ type: Int.Type) throws -> Int { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int8.Type) throws -> Int8 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int16.Type) throws -> Int16 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int32.Type) throws -> Int32 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int64.Type) throws -> Int64 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt.Type) throws -> UInt { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try read { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try read { try $0.decodeInteger(type, at: $1) } }

    @available(macOS 15.0, *)
    func decode(_ type: Int128.Type) throws -> Int128 { try read { try $0.decodeInteger(type, at: $1) } }

    @available(macOS 15.0, *)
    func decode(_ type: UInt128.Type) throws -> UInt128 { try read { try $0.decodeInteger(type, at: $1) } }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.unbox(type, at: decoder.offset, path: codingPath)
    }
}
