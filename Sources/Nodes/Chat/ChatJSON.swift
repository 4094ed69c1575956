import NetModel

/// A parsed JSON value, just enough for the chat protocol's messages.
indirect enum ChatJSONValue: Equatable, Sendable {
    /// An object; a repeated key keeps its last value (as Python's `json` does).
    case object([String: ChatJSONValue])
    case array([ChatJSONValue])
    case string(String)
    /// A number, kept as its literal text so integers never pass through `Double`.
    case number(String)
    case bool(Bool)
    case null
}

/// The chat protocol's JSON reader: the package's one JSON parser (`JSONParser`, strict RFC 8259:
/// `\uXXXX` escapes and surrogate pairs decode, lone surrogates, raw control characters and
/// invalid UTF-8 are errors, no input traps), with nesting bounded at `maxDepth`, and objects as
/// dictionaries where a repeated key keeps its last value (as Python's `json` does).
enum ChatJSONParser {
    /// Arrays and objects nest at most this deep.
    static let maxDepth = 64

    /// Parses one complete JSON document.
    /// - Returns: the value.
    /// - Throws: `.malformedJSON` saying what was wrong and at which byte offset.
    static func parse(_ body: some Collection<UInt8>) throws(ChatWireError) -> ChatJSONValue {
        do {
            return ChatJSONValue(try JSONParser.parse(Array(body), maximumDepth: maxDepth, recordOffsets: false).value)
        } catch {
            throw .malformedJSON("\(error.message) at byte \(error.offset)")
        }
    }
}

extension ChatJSONValue {
    /// The chat protocol's view of a parsed value.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let text): self = .number(text)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(ChatJSONValue.init))
        case .object(let members):
            var fields: [String: ChatJSONValue] = [:]
            fields.reserveCapacity(members.count)
            for member in members { fields[member.key] = ChatJSONValue(member.value) }
            self = .object(fields)
        }
    }
}

/// Writes compact JSON (no spaces) with raw UTF-8 for non-ASCII text, members in the order given.
struct ChatJSONWriter {
    private(set) var bytes: [UInt8] = []

    /// Writes an object whose members are written by `body`, which calls `key(_:)` before each
    /// value.
    mutating func object(_ body: (inout ChatJSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        body(&self)
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes an array whose elements are written by `body` for each of `items`.
    mutating func array<T>(_ items: [T], _ body: (inout ChatJSONWriter, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (offset, item) in items.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            body(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"name":`, preceded by a comma unless it is the object's first member.
    mutating func key(_ name: String) {
        if let last = bytes.last, last != UInt8(ascii: "{") { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Writes a string, escaping only `"`, `\` and control characters (`JSONText`).
    mutating func string(_ text: String) {
        JSONText.appendQuoted(text, to: &bytes)
    }

    /// Writes an integer in decimal.
    mutating func integer(_ value: Int) {
        bytes += Array(String(value).utf8)
    }
}
