/// The single error type thrown by ``MessagePackEncoder``, ``MessagePackDecoder`` and
/// ``MessagePackValue/decode(_:maxDepth:)``.
///
/// Every decoding error carries the byte ``offset`` in the input where the problem was found
/// and, when it happened inside a `Decodable` value, the ``codingPath`` leading to it. The
/// decoder never traps on malformed input: truncation, forged lengths, invalid UTF-8, excessive
/// nesting, wrong types and trailing bytes all surface as a `MessagePackError`.
package struct MessagePackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a machine-checkable category.
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The input ended in the middle of a value (or was empty).
        case truncated
        /// The byte 0xc1, which the specification reserves as "never used".
        case invalidFormatByte
        /// A str/bin/ext length or an array/map element count claims more than the remaining input.
        case lengthExceedsInput
        /// A string payload is not valid UTF-8.
        case invalidUTF8
        /// Arrays and maps are nested deeper than the decoder's `maxDepth`.
        case depthLimitExceeded
        /// Bytes follow the single top-level value.
        case trailingBytes
        /// The value at the offset has a different MessagePack type than the one requested.
        case typeMismatch
        /// An integer (or float) does not fit the requested Swift type, e.g. 300 as `UInt8`.
        case numberOutOfRange
        /// A non-optional value was requested but the input holds nil, or an unkeyed container is exhausted.
        case valueNotFound
        /// A keyed container has no entry for the requested key.
        case keyNotFound
        /// A map decoded through a keyed container contains the same key twice.
        case duplicateKey
        /// A map key is neither a string nor an integer.
        case invalidKey
        /// An ext -1 (timestamp) payload is malformed, or a `Date` is not representable.
        case invalidTimestamp
        /// Encoding: a string, binary, array or map is longer than the format allows (2^32 - 1).
        case lengthTooLarge
        /// Encoding: the top-level value did not encode anything.
        case noValueEncoded
    }

    /// The category of the failure.
    package let kind: Kind
    /// Byte offset into the decoder input where the problem was detected; `nil` for encoding errors.
    package let offset: Int?
    /// The coding path (keys and array indices, rendered as strings) to the failing value.
    package let codingPath: [String]
    /// A human-readable explanation, without the offset and path (see ``description``).
    package let message: String

    /// Creates an error; the decoder and encoder use this, tests may too.
    package init(_ kind: Kind, offset: Int?, codingPath: [String] = [], message: String) {
        self.kind = kind
        self.offset = offset
        self.codingPath = codingPath
        self.message = message
    }

    /// "MessagePack <kind> at byte offset N (path a.b.0): message".
    package var description: String {
        var text = "MessagePack \(kind.rawValue)"
        if let offset { text += " at byte offset \(offset)" }
        if !codingPath.isEmpty { text += " (path \(codingPath.joined(separator: ".")))" }
        return text + ": " + message
    }
}

extension MessagePackError {
    /// Renders Codable keys as strings: integer keys (array indices) as their number.
    static func render(_ path: [any CodingKey]) -> [String] {
        path.map { key in key.intValue.map(String.init) ?? key.stringValue }
    }

    static func decoding(
        _ kind: Kind, at offset: Int, _ path: [any CodingKey], _ message: String
    ) -> MessagePackError {
        MessagePackError(kind, offset: offset, codingPath: render(path), message: message)
    }

    static func encoding(_ kind: Kind, _ path: [any CodingKey], _ message: String) -> MessagePackError {
        MessagePackError(kind, offset: nil, codingPath: render(path), message: message)
    }
}

/// The coding key used for array indices and for `super` in the MessagePack coders.
struct MessagePackKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    init(index: Int) { self.init(intValue: index) }

    static let superKey = MessagePackKey(stringValue: "super")
}

extension MessagePackError {
    /// This error with `path` as its coding path, unless it already has a (deeper) one.
    func addingPath(_ path: [any CodingKey]) -> MessagePackError {
        guard codingPath.isEmpty, !path.isEmpty else { return self }
        return MessagePackError(kind, offset: offset, codingPath: Self.render(path), message: message)
    }
}

/// Runs `body`, attaching `path` (evaluated only on failure) to a thrown ``MessagePackError``.
@inline(__always)
func withMessagePackPath<R>(_ path: @autoclosure () -> [any CodingKey], _ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as MessagePackError {
        throw error.addingPath(path())
    }
}
