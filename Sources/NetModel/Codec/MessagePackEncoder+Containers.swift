/// Keyed container: writes into a map box under `key.stringValue`.
struct MessagePackKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: MessagePackEncoderImpl
    let map: MessagePackMapBox
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ node: MessagePackNode) { map.set(key.stringValue, node) }

    mutating func encodeNil(forKey key: Key) throws { set(key, .nil) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .float(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .int(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, .uint(value)) }

    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128, forKey key: Key) throws {
        set(key, try MessagePackEncoderImpl.node(wide: value, path: codingPath + [key]))
    }

    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128, forKey key: Key) throws {
        set(key, try MessagePackEncoderImpl.node(wide: value, path: codingPath + [key]))
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try encoder.box(value, path: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested: MessagePackMapBox
        if case .map(let existing)? = map[key.stringValue] {
            nested = existing
        } else {
            nested = MessagePackMapBox()
            set(key, .map(nested))
        }
        return KeyedEncodingContainer(
            MessagePackKeyedEncoding<NestedKey>(encoder: encoder, map: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested: MessagePackArrayBox
        if case .array(let existing)? = map[key.stringValue] {
            nested = existing
        } else {
            nested = MessagePackArrayBox()
            set(key, .array(nested))
        }
        return MessagePackUnkeyedEncoding(encoder: encoder, array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: MessagePackKey.superKey) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key) }

    private func superEncoder(named key: any CodingKey) -> any Encoder {
        let child = MessagePackEncoderImpl(codingPath: codingPath + [key], userInfo: encoder.userInfo)
        map.set(key.stringValue, .deferred(child))
        return child
    }
}

/// Unkeyed container: appends to an array box.
struct MessagePackUnkeyedEncoding: UnkeyedEncodingContainer {
    let encoder: MessagePackEncoderImpl
    let array: MessagePackArrayBox
    let codingPath: [any CodingKey]

    var count: Int { array.items.count }

    private var nextPath: [any CodingKey] { codingPath + [MessagePackKey(index: count)] }
    private func append(_ node: MessagePackNode) { array.items.append(node) }

    mutating func encodeNil() throws { append(.nil) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.float(value)) }
    mutating func encode(_ value: Int) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { append(.int(value)) }
    mutating func encode(_ value: UInt) throws { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { append(.uint(value)) }

    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128) throws {
        append(try MessagePackEncoderImpl.node(wide: value, path: nextPath))
    }

    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128) throws {
        append(try MessagePackEncoderImpl.node(wide: value, path: nextPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encoder.box(value, path: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = MessagePackMapBox()
        let path = nextPath
        append(.map(nested))
        return KeyedEncodingContainer(
            MessagePackKeyedEncoding<NestedKey>(encoder: encoder, map: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = MessagePackArrayBox()
        let path = nextPath
        append(.array(nested))
        return MessagePackUnkeyedEncoding(encoder: encoder, array: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = MessagePackEncoderImpl(codingPath: nextPath, userInfo: encoder.userInfo)
        append(.deferred(child))
        return child
    }
}

/// Single-value container: sets the encoder's own node.
struct MessagePackSingleValueEncoding: SingleValueEncodingContainer {
    let encoder: MessagePackEncoderImpl

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ node: MessagePackNode) { encoder.node = node }

    mutating func encodeNil() throws { set(.nil) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    mutating func encode(_ value: Float) throws { set(.float(value)) }
    mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { set(.int(value)) }
    mutating func encode(_ value: UInt) throws { set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { set(.uint(value)) }

    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128) throws {
        set(try MessagePackEncoderImpl.node(wide: value, path: codingPath))
    }

    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128) throws {
        set(try MessagePackEncoderImpl.node(wide: value, path: codingPath))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        set(try encoder.box(value, path: codingPath))
    }
}
