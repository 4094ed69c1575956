/// One value of a trace event's detail field.
public enum TraceValue: Sendable, Equatable {
    /// An unsigned number, written in decimal.
    case number(UInt64)
    /// Text; spaces are written as `_` so that fields stay space-separated.
    case text(String)
    /// A node name (`frontend-2`).
    case name(NodeName)
    /// A list of texts, written comma-separated.
    case list([String])

    /// A signed number (written in decimal; negative values are written with a minus sign).
    public static func signed(_ v: Int64) -> TraceValue {
        v >= 0 ? .number(UInt64(v)) : .text(String(v))
    }

    /// `true` or `false` as text.
    public static func flag(_ v: Bool) -> TraceValue { .text(v ? "true" : "false") }
}

/// The detail of a trace event: either free text, or ordered `key=value` fields kept structured.
///
/// Nodes log structured fields; checkers read them back without parsing text, and the text form
/// (`key1=value1 key2=value2`) is only rendered when a trace is written out. The trace hash folds
/// the same bytes as the rendered text (see `fold(into:)`), so both forms hash alike.
public struct TraceDetail: Sendable, Equatable, ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral,
                           CustomStringConvertible {
    /// One field.
    public typealias Field = (key: String, value: TraceValue)

    @usableFromInline enum Storage: Sendable {
        case text(String)
        /// The literal's own array, kept as written (no copy into labelled tuples).
        case fields([(String, TraceValue)])
    }

    @usableFromInline var storage: Storage

    /// No detail.
    public static let empty = TraceDetail(text: "")

    /// Free text (parsed as `key=value` fields on lookup).
    public init(text: String) { storage = .text(text) }

    /// Ordered fields, as written: `["user": .text(u), "seq": .number(7)]`.
    public init(dictionaryLiteral elements: (String, TraceValue)...) {
        storage = .fields(elements)
    }

    /// Ordered fields.
    public init(fields: [Field]) { storage = .fields(fields.map { ($0.key, $0.value) }) }

    /// Ordered fields, kept as given (no copy into another array: for details built field by
    /// field on a hot path).
    public init(pairs: [(String, TraceValue)]) { storage = .fields(pairs) }

    /// Free text from a literal.
    public init(stringLiteral value: String) { storage = .text(value) }

    /// Whether there is nothing to say.
    public var isEmpty: Bool {
        switch storage {
        case .text(let t): t.isEmpty
        case .fields(let f): f.isEmpty
        }
    }

    /// The value of field `key` (the first one of that name), or nil.
    public subscript(key: String) -> TraceValue? {
        switch storage {
        case .fields(let fields):
            for f in fields where f.0 == key { return f.1 }
            return nil
        case .text(let text):
            return TraceDetail.field(key, in: text).map { .text(String($0)) }
        }
    }

    /// Field `key` as text (numbers and names rendered), or nil.
    public func text(_ key: String) -> String? {
        switch self[key] {
        case .text(let t)?: t
        case .number(let n)?: String(n)
        case .name(let n)?: n.description
        case .list(let l)?: l.joined(separator: ",")
        case nil: nil
        }
    }

    /// Field `key` as an unsigned number, or nil when absent or not a number.
    public func number(_ key: String) -> UInt64? {
        switch self[key] {
        case .number(let n)?: n
        case .text(let t)?: UInt64(t)
        default: nil
        }
    }

    /// Field `key` as a signed number, or nil when absent or not a number.
    public func signed(_ key: String) -> Int64? {
        switch self[key] {
        case .number(let n)?: Int64(exactly: n)
        case .text(let t)?: Int64(t)
        default: nil
        }
    }

    /// Field `key` as a node name, or nil when absent or not a name.
    public func name(_ key: String) -> NodeName? {
        switch self[key] {
        case .name(let n)?: n
        case .text(let t)?: NodeName(parsing: t)
        default: nil
        }
    }

    /// The text form: the free text, or `k1=v1 k2=v2`.
    public var description: String {
        switch storage {
        case .text(let t): return t
        case .fields(let fields):
            var out = ""
            out.reserveCapacity(fields.count * 16)
            for (i, f) in fields.enumerated() {
                if i > 0 { out += " " }
                out += f.0
                out += "="
                switch f.1 {
                case .number(let n): out += String(n)
                case .text(let t): out += t.spacesReplaced
                case .name(let n): out += n.description
                case .list(let l): out += l.map(\.spacesReplaced).joined(separator: ",")
                }
            }
            return out
        }
    }

    public static func == (a: TraceDetail, b: TraceDetail) -> Bool {
        switch (a.storage, b.storage) {
        case (.text(let x), .text(let y)): return x == y
        case (.fields(let x), .fields(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return a.description == b.description
        }
    }

    /// Folds the UTF-8 bytes of `description` and a 0xFF terminator into `hash`, exactly as
    /// `hash.combine(description)` would, without building the text.
    public func fold(into hash: inout FNV1a64) {
        switch storage {
        case .text(let t): hash.combine(t)
        case .fields(let fields):
            for (i, f) in fields.enumerated() {
                if i > 0 { hash.combine(byte: 0x20) }
                hash.combineBytes(of: f.0)
                hash.combine(byte: 0x3D)
                switch f.1 {
                case .number(let n): hash.combineDecimal(n)
                case .text(let t): hash.combineSpacesReplaced(t)
                case .name(let n):
                    hash.combineBytes(of: n.role.rawValue)
                    hash.combine(byte: 0x2D)
                    hash.combineDecimal(UInt64(n.index))
                case .list(let l):
                    for (j, t) in l.enumerated() {
                        if j > 0 { hash.combine(byte: 0x2C) }
                        hash.combineSpacesReplaced(t)
                    }
                }
            }
            hash.combine(byte: 0xFF)
        }
    }

    /// Reads one `key=value` field of a space-separated text without building a dictionary.
    /// - Returns: the value of `key`, or nil when the text has no such field.
    public static func field(_ key: String, in text: String) -> Substring? {
        let bytes = text.utf8
        let keyBytes = key.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 0x20) ?? bytes.endIndex
            if let eq = bytes[start..<end].firstIndex(of: 0x3D), bytes[start..<eq].elementsEqual(keyBytes) {
                return text[bytes.index(after: eq)..<end]
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        return nil
    }
}

extension FNV1a64 {
    /// Folds in the UTF-8 bytes of `s`, with no terminator.
    mutating func combineBytes(of s: String) {
        var s = s
        s.withUTF8 { for b in $0 { combine(byte: b) } }
    }

    /// Folds in the UTF-8 bytes of `s` with spaces written as `_`, with no terminator.
    mutating func combineSpacesReplaced(_ s: String) {
        var s = s
        s.withUTF8 { for b in $0 { combine(byte: b == 0x20 ? 0x5F : b) } }
    }

    /// Folds in the decimal digits of `n`, with no terminator.
    mutating func combineDecimal(_ n: UInt64) {
        if n < 10 { combine(byte: 0x30 + UInt8(n)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digits, 8 per word
        var count = 0
        var x = n
        withUnsafeMutableBytes(of: &digits) { buf in
            while x > 0 {
                buf[count] = 0x30 + UInt8(x % 10)
                x /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { combine(byte: buf[i]) }
        }
    }
}

extension String {
    /// The text with every space written as `_`.
    var spacesReplaced: String {
        utf8.contains(0x20) ? String(map { $0 == " " ? "_" : $0 }) : self
    }
}
