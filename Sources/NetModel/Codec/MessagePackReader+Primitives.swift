import Foundation

/// Typed reads of single items, used by the decoder's containers. Each throws a
/// ``MessagePackError`` naming the expected type, the found format, the offset and the path.
extension MessagePackReader {
    func mismatch(_ expected: String, _ h: Header, _ path: [any CodingKey]) -> MessagePackError {
        if case .nil = h.kind {
            return .decoding(.valueNotFound, at: h.offset, path, "expected \(expected) but found nil")
        }
        return .decoding(
            .typeMismatch, at: h.offset, path, "expected \(expected), found \(Self.formatName(h.format))")
    }

    func isNil(at offset: Int, _ path: [any CodingKey] = []) throws -> Bool {
        if case .nil = try header(at: offset, path).kind { return true }
        return false
    }

    func decodeBool(at offset: Int, _ path: [any CodingKey] = []) throws -> Bool {
        let h = try header(at: offset, path)
        guard case .bool(let value) = h.kind else { throw mismatch("a bool", h, path) }
        return value
    }

    /// Accepts every MessagePack integer family as long as the value fits `T` exactly.
    func decodeInteger<T: FixedWidthInteger>(_: T.Type, at offset: Int, _ path: [any CodingKey] = []) throws -> T {
        let h = try header(at: offset, path)
        let result: T?
        let shown: String
        switch h.kind {
        case .uint(let value): (result, shown) = (T(exactly: value), String(value))
        case .int(let value): (result, shown) = (T(exactly: value), String(value))
        default: throw mismatch("an integer (\(T.self))", h, path)
        }
        guard let result else {
            throw MessagePackError.decoding(
                .numberOutOfRange, at: offset, path,
                "\(shown) (\(Self.formatName(h.format))) does not fit in \(T.self)")
        }
        return result
    }

    /// float 64 and float 32 (widened exactly); integers only when exactly representable.
    func decodeDouble(at offset: Int, _ path: [any CodingKey] = []) throws -> Double {
        let h = try header(at: offset, path)
        let result: Double?
        switch h.kind {
        case .double(let value): result = value
        case .float(let value): result = Double(value)
        case .uint(let value): result = Double(exactly: value)
        case .int(let value): result = Double(exactly: value)
        default: throw mismatch("a floating-point number (Double)", h, path)
        }
        guard let result else {
            throw MessagePackError.decoding(
                .numberOutOfRange, at: offset, path, "integer is not exactly representable as Double")
        }
        return result
    }

    /// float 32; float 64 narrowed with rounding unless it overflows to infinity;
    /// integers only when exactly representable.
    func decodeFloat(at offset: Int, _ path: [any CodingKey] = []) throws -> Float {
        let h = try header(at: offset, path)
        let result: Float?
        switch h.kind {
        case .float(let value): result = value
        case .double(let value):
            let narrowed = Float(value)
            result = narrowed.isInfinite && value.isFinite ? nil : narrowed
        case .uint(let value): result = Float(exactly: value)
        case .int(let value): result = Float(exactly: value)
        default: throw mismatch("a floating-point number (Float)", h, path)
        }
        guard let result else {
            throw MessagePackError.decoding(
                .numberOutOfRange, at: offset, path,
                "\(Self.formatName(h.format)) value does not fit in Float")
        }
        return result
    }

    func decodeString(at offset: Int, _ path: [any CodingKey] = []) throws -> String {
        let h = try header(at: offset, path)
        guard case .string(let range) = h.kind else { throw mismatch("a string", h, path) }
        // `validate()` already checked the UTF-8 of every string in the input.
        return String(decoding: bytes[range], as: UTF8.self)
    }

    func decodeData(at offset: Int, _ path: [any CodingKey] = []) throws -> Data {
        let h = try header(at: offset, path)
        guard case .binary(let range) = h.kind else { throw mismatch("binary data (bin 8/16/32)", h, path) }
        return Data(bytes[range])
    }

    func decodeDate(at offset: Int, _ path: [any CodingKey] = []) throws -> Date {
        let h = try header(at: offset, path)
        guard case .ext(let type, let range) = h.kind, type == MessagePackTimestamp.extType else {
            throw mismatch("a timestamp (ext type -1)", h, path)
        }
        guard let date = MessagePackTimestamp.date(from: bytes[range]) else {
            throw MessagePackError.decoding(
                .invalidTimestamp, at: offset, path,
                "timestamp payload must be 4, 8 or 12 bytes with nanoseconds below 1e9 (got \(range.count) bytes)")
        }
        return date
    }
}
