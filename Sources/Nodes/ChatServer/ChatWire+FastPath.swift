/// Fast paths for the chat line, the one message that dominates a chat server's traffic.
///
/// Each returns exactly what the general codec returns for the same input (tests compare them
/// over many texts) or `nil` when the input is not the simple case, and the caller then uses
/// the general codec. A chat line is the simple case when its strings need no JSON escape
/// (no `"`, `\` or control character; non-ASCII UTF-8 is written raw either way).
extension ChatWire {
    // MARK: - Encoding (server → client)

    private static let jsonChatHead = Array(#"{"type":"SCChat","member":""#.utf8)
    private static let jsonChatMiddle = Array(#"","text":""#.utf8)
    private static let jsonChatTail = Array(#""}"#.utf8)

    /// The framed bytes of `SCChat(member, text)`, byte for byte what `encode(_:format:)` gives.
    /// - Returns: the bytes, or `nil` when a string needs escaping or the frame would be too
    ///   large (use `encode(_:format:)`, which escapes or reports the error).
    static func fastChatFrames(member: String, text: String, format: ChatWireFormat) -> [UInt8]? {
        var member = member
        var text = text
        return member.withUTF8 { m in
            text.withUTF8 { t in
                switch format {
                case .json: return jsonChatFrame(m, t)
                case .protobuf: return protobufChatFrames(m, t)
                }
            }
        }
    }

    private static func jsonChatFrame(_ member: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !needsEscape(member), !needsEscape(text) else { return nil }
        let length = jsonChatHead.count + member.count + jsonChatMiddle.count + text.count + jsonChatTail.count
        guard length <= maxFrameBody else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length + 2)
        out.append(UInt8(length >> 8))
        out.append(UInt8(length & 0xff))
        out.append(contentsOf: jsonChatHead)
        out.append(contentsOf: member)
        out.append(contentsOf: jsonChatMiddle)
        out.append(contentsOf: text)
        out.append(contentsOf: jsonChatTail)
        return out
    }

    private static func protobufChatFrames(_ member: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let length = 1 + varintSize(member.count) + member.count + 1 + varintSize(text.count) + text.count
        guard length <= maxFrameBody else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length + 6)
        // The `Type` frame: length 2, `Type { type = SC_CHAT (8) }`.
        out.append(contentsOf: [0, 2, 0x08, UInt8(ChatProtoType.scChat.rawValue)])
        out.append(UInt8(length >> 8))
        out.append(UInt8(length & 0xff))
        out.append(0x0A)  // field 1 (member), length-delimited
        appendVarint(member.count, to: &out)
        out.append(contentsOf: member)
        out.append(0x12)  // field 2 (text), length-delimited
        appendVarint(text.count, to: &out)
        out.append(contentsOf: text)
        return out
    }

    private static func needsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    private static func varintSize(_ value: Int) -> Int {
        var size = 1
        var v = value >> 7
        while v > 0 { size += 1; v >>= 7 }
        return size
    }

    private static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var v = UInt64(value)
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    // MARK: - Decoding (client → server)

    /// Decodes a JSON `CSChat` frame body of the simple shape `{"type":"CSChat","text":"…"}`
    /// (whitespace allowed between tokens, as Python's `json.dumps` writes it) whose text has no
    /// escape.
    /// - Returns: `.chat(text)`, exactly what `decodeJSONClient` returns for the body, or `nil`
    ///   for any other body (another type, more keys, an escape, invalid UTF-8): decode it with
    ///   `decodeJSONClient`.
    static func fastJSONClientChat(_ body: ArraySlice<UInt8>) -> ChatClientMessage? {
        var scanner = FastJSONScanner(bytes: body)
        guard scanner.take("{"), scanner.takeString(#""type""#), scanner.take(":"), scanner.takeString(#""CSChat""#),
              scanner.take(","), scanner.takeString(#""text""#), scanner.take(":"),
              let text = scanner.takeSimpleString(), scanner.take("}"), scanner.atEnd else { return nil }
        return .chat(text)
    }
}

/// A cursor over a JSON body that matches exact tokens, skipping JSON whitespace before each.
private struct FastJSONScanner {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.endIndex
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func take(_ token: Unicode.Scalar) -> Bool {
        skipWhitespace()
        guard index < bytes.endIndex, bytes[index] == UInt8(token.value) else { return false }
        index += 1
        return true
    }

    mutating func takeString(_ token: StaticString) -> Bool {
        skipWhitespace()
        let count = token.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { return false }
        let matches = token.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
        if matches { index += count }
        return matches
    }

    /// A quoted string with no escape and no control character, as valid UTF-8.
    mutating func takeSimpleString() -> String? {
        skipWhitespace()
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.endIndex {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.endIndex, let text = String(validating: bytes[start..<end], as: UTF8.self) else { return nil }
        index = end + 1
        return text
    }
}
