/// Bounds-checked, non-recursive access to MessagePack bytes.
///
/// Every read checks the remaining input before touching it, and every declared length or
/// element count is compared with the remaining input before anything is allocated, so any
/// byte sequence yields either a value or a ``MessagePackError`` with the byte offset.
struct MessagePackReader {
    /// The type of one MessagePack item, with its payload location for str/bin/ext.
    enum Kind {
        case `nil`
        case bool(Bool)
        case uint(UInt64)
        case int(Int64)
        case float(Float)
        case double(Double)
        case string(Range<Int>)
        case binary(Range<Int>)
        case array(count: Int)
        case map(count: Int)
        case ext(type: Int8, payload: Range<Int>)
    }

    /// One parsed item header. `end` is the offset just past the whole item for scalars,
    /// strings, binaries and exts, and just past the header (the first child) for arrays and maps.
    struct Header {
        let kind: Kind
        let format: UInt8
        let offset: Int
        let end: Int
    }

    let bytes: [UInt8]
    let maxDepth: Int

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    // MARK: Headers

    /// Parses the item header at `offset`, checking every length against the remaining input.
    func header(at offset: Int, _ path: [any CodingKey] = []) throws -> Header {
        guard offset < bytes.count else {
            throw MessagePackError.decoding(
                .truncated, at: offset, path,
                "expected a value but the input ends (it is \(bytes.count) bytes long)")
        }
        let b = bytes[offset]
        func make(_ kind: Kind, _ end: Int) -> Header { Header(kind: kind, format: b, offset: offset, end: end) }
        switch b {
        case 0x00...0x7f: return make(.uint(UInt64(b)), offset + 1)
        case 0x80...0x8f: return try container(.map(count: Int(b & 0x0f)), b, offset, 1, path)
        case 0x90...0x9f: return try container(.array(count: Int(b & 0x0f)), b, offset, 1, path)
        case 0xa0...0xbf: return try sized(b, offset, 1, UInt64(b & 0x1f), path) { .string($0) }
        case 0xc0: return make(.nil, offset + 1)
        case 0xc2: return make(.bool(false), offset + 1)
        case 0xc3: return make(.bool(true), offset + 1)
        case 0xc4, 0xc5, 0xc6:
            let width = 1 << Int(b - 0xc4)
            let length = try readBigEndian(offset + 1, width, b, path)
            return try sized(b, offset, 1 + width, length, path) { .binary($0) }
        case 0xc7, 0xc8, 0xc9:
            let width = 1 << Int(b - 0xc7)
            let length = try readBigEndian(offset + 1, width, b, path)
            let type = Int8(bitPattern: UInt8(try readBigEndian(offset + 1 + width, 1, b, path)))
            return try sized(b, offset, 2 + width, length, path) { .ext(type: type, payload: $0) }
        case 0xca:
            let bits = try readBigEndian(offset + 1, 4, b, path)
            return make(.float(Float(bitPattern: UInt32(bits))), offset + 5)
        case 0xcb:
            let bits = try readBigEndian(offset + 1, 8, b, path)
            return make(.double(Double(bitPattern: bits)), offset + 9)
        case 0xcc, 0xcd, 0xce, 0xcf:
            let width = 1 << Int(b - 0xcc)
            return make(.uint(try readBigEndian(offset + 1, width, b, path)), offset + 1 + width)
        case 0xd0, 0xd1, 0xd2, 0xd3:
            let width = 1 << Int(b - 0xd0)
            let raw = try readBigEndian(offset + 1, width, b, path)
            let shift = UInt64(64 - 8 * width)
            let value = Int64(bitPattern: raw << shift) >> shift  // sign-extend
            return make(.int(value), offset + 1 + width)
        case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
            let type = Int8(bitPattern: UInt8(try readBigEndian(offset + 1, 1, b, path)))
            let length = UInt64(1 << Int(b - 0xd4))
            return try sized(b, offset, 2, length, path) { .ext(type: type, payload: $0) }
        case 0xd9, 0xda, 0xdb:
            let width = 1 << Int(b - 0xd9)
            let length = try readBigEndian(offset + 1, width, b, path)
            return try sized(b, offset, 1 + width, length, path) { .string($0) }
        case 0xdc, 0xdd:
            let width = 2 << Int(b - 0xdc)
            let count = try readBigEndian(offset + 1, width, b, path)
            return try container(.array(count: Int(count)), b, offset, 1 + width, path)
        case 0xde, 0xdf:
            let width = 2 << Int(b - 0xde)
            let count = try readBigEndian(offset + 1, width, b, path)
            return try container(.map(count: Int(count)), b, offset, 1 + width, path)
        case 0xe0...0xff: return make(.int(Int64(Int8(bitPattern: b))), offset + 1)
        default:  // 0xc1
            throw MessagePackError.decoding(
                .invalidFormatByte, at: offset, path, "byte 0xc1 is never used in MessagePack")
        }
    }

    private func readBigEndian(_ offset: Int, _ width: Int, _ format: UInt8, _ path: [any CodingKey]) throws -> UInt64 {
        guard offset <= bytes.count, width <= bytes.count - offset else {
            throw MessagePackError.decoding(
                .truncated, at: offset, path,
                "\(Self.formatName(format)) needs \(width) more header byte(s) but only "
                    + "\(max(0, bytes.count - offset)) remain")
        }
        var value: UInt64 = 0
        for i in offset..<(offset + width) { value = value << 8 | UInt64(bytes[i]) }
        return value
    }

    private func sized(
        _ format: UInt8, _ offset: Int, _ headerSize: Int, _ length: UInt64, _ path: [any CodingKey],
        _ kind: (Range<Int>) -> Kind
    ) throws -> Header {
        let start = offset + headerSize
        let remaining = max(0, bytes.count - start)
        guard length <= UInt64(remaining) else {
            throw MessagePackError.decoding(
                .lengthExceedsInput, at: offset, path,
                "\(Self.formatName(format)) declares \(length) payload bytes but only \(remaining) remain")
        }
        let end = start + Int(length)
        return Header(kind: kind(start..<end), format: format, offset: offset, end: end)
    }

    private func container(
        _ kind: Kind, _ format: UInt8, _ offset: Int, _ headerSize: Int, _ path: [any CodingKey]
    ) throws -> Header {
        let start = offset + headerSize
        let remaining = max(0, bytes.count - start)
        // Every element takes at least one byte, so a count above the remaining input is forged.
        let (needed, noun): (Int, String) = switch kind {
        case .map(let count): (count * 2, "\(count) entries (\(count * 2) items)")
        case .array(let count): (count, "\(count) elements")
        default: (0, "")
        }
        guard needed <= remaining else {
            throw MessagePackError.decoding(
                .lengthExceedsInput, at: offset, path,
                "\(Self.formatName(format)) declares \(noun) but only \(remaining) bytes remain")
        }
        return Header(kind: kind, format: format, offset: offset, end: start)
    }

    // MARK: Whole-input validation and skipping

    /// Checks that the input is exactly one well-formed value: lengths, UTF-8, nesting depth and
    /// no trailing bytes. Iterative, so hostile nesting cannot overflow the stack.
    func validate() throws {
        var offset = 0
        var pending: [Int] = []  // items still expected by each open array/map
        while true {
            let h = try header(at: offset)
            offset = h.end
            var children = 0
            switch h.kind {
            case .string(let range):
                try checkUTF8(range, headerOffset: h.offset, [])
            case .array(let count), .map(let count):
                guard pending.count < maxDepth else {
                    throw MessagePackError.decoding(
                        .depthLimitExceeded, at: h.offset, [],
                        "arrays/maps nested deeper than the limit of \(maxDepth)")
                }
                if case .map = h.kind { children = count * 2 } else { children = count }
            default:
                break
            }
            if children > 0 {
                pending.append(children)
                continue
            }
            // One item completed: count it against the enclosing containers.
            var finished = true
            while let last = pending.last {
                if last > 1 {
                    pending[pending.count - 1] = last - 1
                    finished = false
                    break
                }
                pending.removeLast()
            }
            if finished { break }
        }
        guard offset == bytes.count else {
            throw MessagePackError.decoding(
                .trailingBytes, at: offset, [],
                "\(bytes.count - offset) byte(s) follow the top-level value")
        }
    }

    /// The offset just past the item starting at `offset` (iterative, no recursion).
    func skip(_ offset: Int) throws -> Int {
        var position = offset
        var pending = 1
        while pending > 0 {
            let h = try header(at: position)
            position = h.end
            pending -= 1
            switch h.kind {
            case .array(let count): pending += count
            case .map(let count): pending += count * 2
            default: break
            }
        }
        return position
    }

    func checkUTF8(_ range: Range<Int>, headerOffset: Int, _ path: [any CodingKey]) throws {
        if let bad = Self.firstInvalidUTF8(bytes, range) {
            throw MessagePackError.decoding(
                .invalidUTF8, at: bad, path,
                "invalid UTF-8 in the string starting at offset \(headerOffset)")
        }
    }

    /// The offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no
    /// overlongs, no surrogates, nothing above U+10FFFF), or `nil` if `range` is valid.
    static func firstInvalidUTF8(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            var low: UInt8 = 0x80
            var high: UInt8 = 0xbf
            let trailing: Int
            switch lead {
            case 0xc2...0xdf: trailing = 1
            case 0xe0: trailing = 2; low = 0xa0
            case 0xe1...0xec, 0xee, 0xef: trailing = 2
            case 0xed: trailing = 2; high = 0x9f
            case 0xf0: trailing = 3; low = 0x90
            case 0xf1...0xf3: trailing = 3
            case 0xf4: trailing = 3; high = 0x8f
            default: return i
            }
            guard end - i > trailing, (low...high).contains(bytes[i + 1]) else { return i }
            var k = 2
            while k <= trailing {
                guard bytes[i + k] & 0xc0 == 0x80 else { return i }
                k += 1
            }
            i += trailing + 1
        }
        return nil
    }

    // MARK: Names for messages

    static func formatName(_ b: UInt8) -> String {
        let name: String = switch b {
        case 0x00...0x7f: "positive fixint"
        case 0x80...0x8f: "fixmap"
        case 0x90...0x9f: "fixarray"
        case 0xa0...0xbf: "fixstr"
        case 0xc0: "nil"
        case 0xc1: "never-used byte"
        case 0xc2: "false"
        case 0xc3: "true"
        case 0xc4, 0xc5, 0xc6: "bin \(8 << Int(b - 0xc4))"
        case 0xc7, 0xc8, 0xc9: "ext \(8 << Int(b - 0xc7))"
        case 0xca: "float 32"
        case 0xcb: "float 64"
        case 0xcc, 0xcd, 0xce, 0xcf: "uint \(8 << Int(b - 0xcc))"
        case 0xd0, 0xd1, 0xd2, 0xd3: "int \(8 << Int(b - 0xd0))"
        case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: "fixext \(1 << Int(b - 0xd4))"
        case 0xd9, 0xda, 0xdb: "str \(8 << Int(b - 0xd9))"
        case 0xdc, 0xdd: "array \(16 << Int(b - 0xdc))"
        case 0xde, 0xdf: "map \(16 << Int(b - 0xde))"
        default: "negative fixint"
        }
        let hex = String(b, radix: 16)
        return "\(name) (0x\(hex.count == 1 ? "0" + hex : hex))"
    }
}
