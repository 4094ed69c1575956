/// Keyed container over a map. On creation it indexes the map's keys and value offsets
/// (values are skipped, not decoded); lookups are linear for small maps, hashed for large ones.
struct MessagePackKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: MessagePackDecoderImpl
    let codingPath: [any CodingKey]
    private let mapOffset: Int
    private let keys: [String]
    private let valueOffsets: [Int]
    private let index: [String: Int]?
    private static var linearLimit: Int { 16 }

    init(decoder: MessagePackDecoderImpl, offset: Int, codingPath: [any CodingKey]) throws {
        self.decoder = decoder
        self.codingPath = codingPath
        self.mapOffset = offset
        let reader = decoder.reader
        let h = try reader.header(at: offset, codingPath)
        guard case .map(let count) = h.kind else {
            throw reader.mismatch("a map (keyed container for \(Key.self))", h, codingPath)
        }
        var keys: [String] = []
        var valueOffsets: [Int] = []
        keys.reserveCapacity(count)  // count <= remaining bytes / 2, checked by header(at:)
        valueOffsets.reserveCapacity(count)
        var index: [String: Int]? = count > Self.linearLimit ? [:] : nil
        index?.reserveCapacity(count)
        var position = h.end
        for _ in 0..<count {
            let keyHeader = try reader.header(at: position, codingPath)
            let name: String
            switch keyHeader.kind {
            case .string(let range): name = String(decoding: reader.bytes[range], as: UTF8.self)
            case .uint(let value): name = String(value)
            case .int(let value): name = String(value)
            default:
                throw MessagePackError.decoding(
                    .invalidKey, at: position, codingPath,
                    "map key must be a string or integer, found \(MessagePackReader.formatName(keyHeader.format))")
            }
            let duplicate: Bool
            if index != nil {
                duplicate = index?.updateValue(keys.count, forKey: name) != nil
            } else {
                duplicate = keys.contains(name)
            }
            guard !duplicate else {
                throw MessagePackError.decoding(
                    .duplicateKey, at: position, codingPath, "key \"\(name)\" occurs more than once in the map")
            }
            keys.append(name)
            valueOffsets.append(keyHeader.end)
            position = try reader.skip(keyHeader.end)
        }
        self.keys = keys
        self.valueOffsets = valueOffsets
        self.index = index
    }

    var allKeys: [Key] { keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { valueOffset(key.stringValue) != nil }

    private func valueOffset(_ name: String) -> Int? {
        if let index { return index[name].map { valueOffsets[$0] } }
        return keys.firstIndex(of: name).map { valueOffsets[$0] }
    }

    private func require(_ key: any CodingKey) throws -> Int {
        guard let offset = valueOffset(key.stringValue) else {
            let known = keys.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
            throw MessagePackError.decoding(
                .keyNotFound, at: mapOffset, codingPath + [key],
                "no entry for key \"\(key.stringValue)\" in the map (keys: \(known)\(keys.count > 10 ? ", …" : ""))")
        }
        return offset
    }

    private func read<R>(_ key: Key, _ body: (MessagePackReader, Int) throws -> R) throws -> R {
        let offset = try require(key)
        return try withMessagePackPath(codingPath + [key]) { try body(decoder.reader, offset) }
    }

    func decodeNil(forKey key: Key) throws -> Bool { try read(key) { try $0.isNil(at: $1) } }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try read(key) { try $0.decodeBool(at: $1) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try read(key) { try $0.decodeString(at: $1) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try read(key) { try $0.decodeDouble(at: $1) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try read(key) { try $0.decodeFloat(at: $1) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try read(key) { try $0.decodeInteger(type, at: $1) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try read(key) { try $0.decodeInteger(type, at: $1) } }

    @available(macOS 15.0, *)
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try read(key) { try $0.decodeInteger(type, at: $1) }
    }

    @available(macOS 15.0, *)
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try read(key) { try $0.decodeInteger(type, at: $1) }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(type, at: try require(key), path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(
            try MessagePackKeyedDecoding<NestedKey>(decoder: decoder, offset: try require(key), codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try MessagePackUnkeyedDecoding(decoder: decoder, offset: try require(key), codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder { try superDecoder(named: MessagePackKey.superKey) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder(named: key) }

    private func superDecoder(named key: any CodingKey) throws -> any Decoder {
        MessagePackDecoderImpl(
            reader: decoder.reader, offset: try require(key), codingPath: codingPath + [key], userInfo: decoder.userInfo)
    }
}

/// Unkeyed container over an array. An element is consumed only after it decoded successfully,
/// so a failed `decode` can be retried with another type.
struct MessagePackUnkeyedDecoding: UnkeyedDecodingContainer {
    let decoder: MessagePackDecoderImpl
    let codingPath: [any CodingKey]
    let count: Int?
    private(set) var currentIndex = 0
    /// Offset of the element at `currentIndex`.
    private var position: Int

    init(decoder: MessagePackDecoderImpl, offset: Int, codingPath: [any CodingKey]) throws {
        self.decoder = decoder
        self.codingPath = codingPath
        let h = try decoder.reader.header(at: offset, codingPath)
        guard case .array(let count) = h.kind else {
            throw decoder.reader.mismatch("an array (unkeyed container)", h, codingPath)
        }
        self.count = count
        self.position = h.end
    }

    var isAtEnd: Bool { currentIndex >= (count ?? 0) }

    private var elementPath: [any CodingKey] { codingPath + [MessagePackKey(index: currentIndex)] }

    /// Runs `body` on the current element's offset, then moves past the element.
    private mutating func next<R>(_ body: (Int) throws -> R) throws -> R {
        guard !isAtEnd else {
            throw MessagePackError.decoding(
                .valueNotFound, at: position, elementPath,
                "unkeyed container is at its end (all \(count ?? 0) elements consumed)")
        }
        let value = try body(position)
        position = try decoder.reader.skip(position)
        currentIndex += 1
        return value
    }

    private mutating func read<R>(_ body: (MessagePackReader, Int) throws -> R) throws -> R {
        let (base, index, reader) = (codingPath, currentIndex, decoder.reader)
        return try next { offset in
            try withMessagePackPath(base + [MessagePackKey(index: index)]) { try body(reader, offset) }
        }
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return try next { _ in false } }  // throws valueNotFound
        guard try decoder.reader.isNil(at: position) else { return false }
        return try next { _ in true }
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try read { try $0.decodeBool(at: $1) } }
    mutating func decode(_ type: String.Type) throws -> String { try read { try $0.decodeString(at: $1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try read { try $0.decodeDouble(at: $1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try read { try $0.decodeFloat(at: $1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try read { try $0.decodeInteger(type, at: $1) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try read { try $0.decodeInteger(type, at: $1) } }

    @available(macOS 15.0, *)
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try read { try $0.decodeInteger(type, at: $1) } }

    @available(macOS 15.0, *)
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try read { try $0.decodeInteger(type, at: $1) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (base, index, decoder) = (codingPath, currentIndex, decoder)
        return try next { offset in
            try decoder.unbox(type, at: offset, path: base + [MessagePackKey(index: index)])
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let path = elementPath
        let decoder = decoder
        return try next { offset in
            KeyedDecodingContainer(try MessagePackKeyedDecoding<NestedKey>(decoder: decoder, offset: offset, codingPath: path))
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = elementPath
        let decoder = decoder
        return try next { offset in try MessagePackUnkeyedDecoding(decoder: decoder, offset: offset, codingPath: path) }
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = elementPath
        let decoder = decoder
        return try next { offset in
            MessagePackDecoderImpl(reader: decoder.reader, offset: offset, codingPath: path, userInfo: decoder.userInfo)
        }
    }
}
