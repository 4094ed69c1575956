/// A parsed JSON document: the one JSON reader of the package (experiment files, the chat
/// protocol's JSON frames).
///
/// Objects keep their members in document order (and keep duplicate keys, so that the reader can
/// report them); numbers keep their literal text, so that a 64-bit seed is read exactly and an
/// integer field can tell `4` from `4.0`.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written, e.g. `-12.5e3`. Always valid JSON number syntax.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One `"key": value` member of an object.
    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONValue
        /// A member.
        package init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }
}

/// A JSON syntax error: where it is and what was expected there.
package struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Line from 1.
    package var line: Int
    /// Column from 1, counted in Unicode scalars.
    package var column: Int
    /// What was expected and what was found.
    package var message: String
    /// The byte offset from the start of the document.
    package var offset: Int = 0
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Besides the value it can record, for every value, the byte offset where it starts, keyed by the
/// value's path in the experiment error syntax (`faults[2].at`, `` for the root), so that issues
/// found later can be reported in document order. The experiment reader and the chat protocol's
/// JSON frames (`ChatJSONParser`) both read JSON with it.
package struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    /// Byte offset of each value, by path. For duplicate keys the first occurrence wins.
    private(set) var offsets: [String: Int] = [:]

    /// The deepest nesting accepted by default; deeper documents are rejected instead of
    /// exhausting the stack.
    package static let maximumDepth = 256
    /// The deepest nesting this parse accepts.
    private let depthLimit: Int
    /// Whether `offsets` is filled (the paths cost a string per value).
    private let recordsOffsets: Bool

    private init(_ bytes: [UInt8], depthLimit: Int, recordsOffsets: Bool) {
        self.bytes = bytes
        self.depthLimit = depthLimit
        self.recordsOffsets = recordsOffsets
    }

    /// Parses a whole document (an optional UTF-8 byte order mark, one value, whitespace).
    /// - Returns: the value and the offset of every value by path.
    /// - Parameters:
    ///   - maximumDepth: the deepest nesting accepted.
    ///   - recordOffsets: whether to return each value's offset by path (empty when false).
    /// - Returns: the value and the offsets.
    /// - Throws: `JSONSyntaxError` at the first problem, with its line, column and byte offset.
    package static func parse(_ bytes: [UInt8], maximumDepth: Int = JSONParser.maximumDepth,
                              recordOffsets: Bool = true) throws(JSONSyntaxError) -> (value: JSONValue, offsets: [String: Int]) {
        var p = JSONParser(bytes, depthLimit: maximumDepth, recordsOffsets: recordOffsets)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        p.skipWhitespace()
        if p.i == bytes.count { throw p.error("expected a JSON object, got an empty file") }
        let v = try p.value(path: "")
        p.skipWhitespace()
        if p.i < bytes.count { throw p.error("expected the end of the file after the top-level value, got \(p.found)") }
        return (v, p.offsets)
    }

    // MARK: - Values

    private mutating func value(path: String) throws(JSONSyntaxError) -> JSONValue {
        if recordsOffsets, offsets[path] == nil { offsets[path] = i }
        guard i < bytes.count else { throw error("expected a value, got the end of the file") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(path: path)
        case UInt8(ascii: "["): return try array(path: path)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("expected a value (object, list, string, number, true, false or null), got \(found)")
        }
    }

    private mutating func object(path: String) throws(JSONSyntaxError) -> JSONValue {
        try enter()
        i += 1
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { i += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error(members.isEmpty ? "expected a field name in double quotes or '}', got \(found)"
                                            : "expected a field name in double quotes, got \(found)")
            }
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after the field name \(JSONText.quoted(key, limit: 40)), got \(found)") }
            i += 1
            skipWhitespace()
            let v = try value(path: !recordsOffsets ? "" : path.isEmpty ? key : path + "." + key)
            members.append(.init(key: key, value: v))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "}")) { i += 1; depth -= 1; return .object(members) }
            throw error("expected ',' or '}' after a field, got \(found)")
        }
    }

    private mutating func array(path: String) throws(JSONSyntaxError) -> JSONValue {
        try enter()
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { i += 1; depth -= 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(path: recordsOffsets ? path + "[\(items.count)]" : ""))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "]")) { i += 1; depth -= 1; return .array(items) }
            throw error("expected ',' or ']' after a list item, got \(found)")
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > depthLimit { throw error("nesting deeper than \(depthLimit) levels") }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let start = i
        for b in word.utf8 {
            guard i < bytes.count, bytes[i] == b else {
                i = start
                throw error("expected a value (object, list, string, number, true, false or null), got an unquoted word")
            }
            i += 1
        }
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = i
        if peek(UInt8(ascii: "-")) { i += 1 }
        if peek(UInt8(ascii: "0")) {
            i += 1
            if digit() { throw error("numbers cannot have leading zeros") }
        } else if digit() {
            while digit() { i += 1 }
        } else {
            throw error("expected a digit, got \(found)")
        }
        if peek(UInt8(ascii: ".")) {
            i += 1
            guard digit() else { throw error("expected a digit after the decimal point, got \(found)") }
            while digit() { i += 1 }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            i += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { i += 1 }
            guard digit() else { throw error("expected a digit in the exponent, got \(found)") }
            while digit() { i += 1 }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string: expected '\"', got the end of the file") }
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw error("the string before this point is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { throw error("unterminated escape sequence") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default:
                    i -= 1
                    throw error("expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), got \(found)")
                }
            case 0x00..<0x20:
                throw error("control characters must be escaped inside strings, got \(found)")
            default:
                out.append(b)
                i += 1
            }
        }
    }

    /// The UTF-8 bytes of a `\uXXXX` escape (after `\u`), joining surrogate pairs.
    private mutating func unicodeEscape() throws(JSONSyntaxError) -> [UInt8] {
        var unit = try hex4()
        if (0xD800...0xDBFF).contains(unit) {
            guard bytes[i...].starts(with: Array("\\u".utf8)) else { throw error("expected a low surrogate \\uDC00-\\uDFFF after a high surrogate") }
            i += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("expected a low surrogate \\uDC00-\\uDFFF after a high surrogate") }
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw error("unpaired low surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(unit) else { throw error("invalid \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count, let d = hexValue(bytes[i]) else { throw error("expected 4 hex digits after \\u, got \(found)") }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    // MARK: - Scanning helpers

    private func peek(_ b: UInt8) -> Bool { i < bytes.count && bytes[i] == b }

    private func digit() -> Bool { i < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) }

    private mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    /// What is at the current position, for "got …" in messages.
    private var found: String {
        guard i < bytes.count else { return "the end of the file" }
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        if b == 0x20 { return "a space" }
        if b == 0x0A || b == 0x0D { return "a line break" }
        if b == 0x09 { return "a tab" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    /// An error at the current position, with its line and column.
    private func error(_ message: String) -> JSONSyntaxError {
        var line = 1, column = 1
        for b in bytes[..<min(i, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return JSONSyntaxError(line: line, column: column, message: message, offset: i)
    }
}
