import NetModel

extension JSONValue {
    /// A short description for error messages: strings quoted, numbers as written, containers by kind.
    var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let text): return text
        case .string(let s): return jsonQuoted(s)
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

/// `s` in double quotes, shortened to 40 characters, with control characters escaped.
func jsonQuoted(_ s: String) -> String { JSONText.quoted(s, limit: 40) }
