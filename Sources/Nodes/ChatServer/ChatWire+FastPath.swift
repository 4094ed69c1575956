import Glibc

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
        return [UInt8](unsafeUninitializedCapacity: length + 2) { out, count in
            out[0] = UInt8(length >> 8)
            out[1] = UInt8(length & 0xff)
            var at = 2
            func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                if let base = bytes.baseAddress, bytes.count > 0 {
                    (out.baseAddress! + at).update(from: base, count: bytes.count)
                }
                at += bytes.count
            }
            jsonChatHead.withUnsafeBufferPointer(put)
            put(member)
            jsonChatMiddle.withUnsafeBufferPointer(put)
            put(text)
            jsonChatTail.withUnsafeBufferPointer(put)
            count = at
        }
    }

    private static func protobufChatFrames(_ member: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let length = 1 + ChatProtoWriter.varintSize(member.count) + member.count + 1 + ChatProtoWriter.varintSize(text.count) + text.count
        guard length <= maxFrameBody else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length + 6)
        // The `Type` frame: length 2, `Type { type = SC_CHAT (8) }`.
        out.append(contentsOf: [0, 2, 0x08, UInt8(ChatProtoType.scChat.rawValue)])
        out.append(UInt8(length >> 8))
        out.append(UInt8(length & 0xff))
        out.append(0x0A)  // field 1 (member), length-delimited
        ChatProtoWriter.appendVarint(UInt64(member.count), to: &out)
        out.append(contentsOf: member)
        out.append(0x12)  // field 2 (text), length-delimited
        ChatProtoWriter.appendVarint(UInt64(text.count), to: &out)
        out.append(contentsOf: text)
        return out
    }

    private static func needsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        firstSpecial(bytes, from: 0).index < bytes.count
    }

    /// Where the first byte that JSON must escape (`"`, `\`, a control character) is in
    /// `bytes` from `start`, eight bytes at a time.
    /// - Returns: its index (`bytes.count` when there is none) and whether any byte before it
    ///   may be non-ASCII (conservative: true also when only a later byte of the same word is).
    @inline(__always)
    static func firstSpecial(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (index: Int, maybeNonASCII: Bool) {
        guard let base = bytes.baseAddress else { return (bytes.count, false) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var high: UInt64 = 0
        var i = start
        while i + 8 <= bytes.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            high |= w
            // The high bit of a byte's lane is set for a byte below 0x20, equal to '"' or to '\'.
            // Borrows can only mark lanes above a true one, so the lowest mark is exact.
            let quote = w ^ (ones &* 0x22)
            let backslash = w ^ (ones &* 0x5C)
            let below = (w &- ones &* 0x20) & ~w
            let isQuote = (quote &- ones) & ~quote
            let isBackslash = (backslash &- ones) & ~backslash
            let marks = (below | isQuote | isBackslash) & highs
            if marks != 0 { return (i + marks.trailingZeroBitCount / 8, high & highs != 0) }
            i += 8
        }
        while i < bytes.count {
            let byte = base[i]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return (i, high & highs != 0) }
            high |= UInt64(byte)
            i += 1
        }
        return (i, high & highs != 0)
    }

    // MARK: - Decoding (client → server)

    /// Decodes a JSON `CSChat` frame body of the simple shape `{"type":"CSChat","text":"…"}`
    /// (whitespace allowed between tokens, as Python's `json.dumps` writes it) whose text has no
    /// escape.
    /// - Returns: `.chat(text)`, exactly what `decodeJSONClient` returns for the body, or `nil`
    ///   for any other body (another type, more keys, an escape, invalid UTF-8): decode it with
    ///   `decodeJSONClient`.
    static func fastJSONClientChat(_ body: ArraySlice<UInt8>) -> ChatClientMessage? {
        body.withUnsafeBufferPointer { bytes in
            var scanner = FastJSONScanner(bytes: bytes)
            guard scanner.take("{"), scanner.takeString(#""type""#), scanner.take(":"), scanner.takeString(#""CSChat""#),
                  scanner.take(","), scanner.takeString(#""text""#), scanner.take(":"),
                  let text = scanner.takeSimpleString(), scanner.take("}"), scanner.atEnd else { return nil }
            return .chat(text)
        }
    }
}

/// A cursor over a JSON body that matches exact tokens, skipping JSON whitespace before each
/// (over the raw bytes: no bounds check or generic comparison per byte).
private struct FastJSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            index += 1
        }
    }

    mutating func take(_ token: Unicode.Scalar) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(token.value) else { return false }
        index += 1
        return true
    }

    mutating func takeString(_ token: StaticString) -> Bool {
        skipWhitespace()
        let count = token.utf8CodeUnitCount
        guard bytes.count - index >= count, let base = bytes.baseAddress else { return false }
        guard memcmp(base + index, token.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// A quoted string with no escape and no control character, as valid UTF-8.
    mutating func takeSimpleString() -> String? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let base = bytes.baseAddress else { return nil }
        let start = index + 1
        let (end, maybeNonASCII) = ChatWire.firstSpecial(bytes, from: start)
        guard end < bytes.count, bytes[end] == 0x22 else { return nil }  // an escape, a control character, or no end
        let raw = UnsafeBufferPointer(start: base + start, count: end - start)
        // ASCII needs no validation (and `String(decoding:)` is inlined); anything else is
        // validated as UTF-8.
        guard let text = maybeNonASCII ? String(validating: raw, as: UTF8.self) : String(decoding: raw, as: UTF8.self)
        else { return nil }
        index = end + 1
        return text
    }
}
