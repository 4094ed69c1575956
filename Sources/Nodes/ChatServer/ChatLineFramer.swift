/// Frames chat lines for one event loop's fan-out in one reusable buffer: byte for byte what
/// `ChatWire.fastChatFrames` (and so the general codec) gives, without an array, a
/// `ChatServerMessage` or a comparison with the previous message per line.
///
/// The part of the frame that depends only on the author (`{"type":"SCChat","member":"NAME",
/// "text":"` in JSON, the `Type` frame and the member field in protobuf) is kept for the last
/// author, so a line costs the escape scan of its text and one copy of it.
struct ChatLineFramer {
    let format: ChatWireFormat
    /// The author whose part ends `frame`'s prefix (nil: none yet, or it needs escaping).
    private var author: String?
    /// The frame being built: its prefix (the author's part, and in protobuf the `Type` frame)
    /// stays from line to line; each line truncates it to `prefixCount`, writes the body's
    /// length at `lengthAt` and appends the text.
    private var frame: [UInt8] = []
    private var prefixCount = 0
    /// Where the two bytes of the body's length are: 0 in JSON, after the `Type` frame in protobuf.
    private let lengthAt: Int

    private static let jsonHead = Array(#"{"type":"SCChat","member":""#.utf8)
    private static let jsonMiddle = Array(#"","text":""#.utf8)

    /// A framer for `format`, holding nothing yet.
    init(format: ChatWireFormat) {
        self.format = format
        lengthAt = format == .json ? 0 : 4
        frame.reserveCapacity(512)
    }

    /// Calls `body` with the framed bytes of the chat line `text` from `member` (valid until
    /// the next call).
    /// - Returns: false, without calling `body`, when the line is not the simple case (a string
    ///   needs a JSON escape, or the frame would be too large): encode it with `ChatWire`.
    @inline(__always)
    mutating func withFrame(member: String, text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        if author != member, !setAuthor(member) { return false }
        let built: Bool
        if let direct = text.utf8.withContiguousStorageIfAvailable({ build(text: $0) }) {
            built = direct
        } else {
            var copy = text
            built = copy.withUTF8 { build(text: $0) }
        }
        guard built else { return false }
        frame.withUnsafeBufferPointer(body)
        return true
    }

    /// Makes `member`'s prefix.
    /// - Returns: false when the name needs a JSON escape.
    private mutating func setAuthor(_ member: String) -> Bool {
        var name = member
        let prefix: [UInt8]? = name.withUTF8 { m in
            switch format {
            case .json:
                guard ChatWire.firstSpecial(m, from: 0).index == m.count else { return nil }
                return [0, 0] + Self.jsonHead + Array(m) + Self.jsonMiddle
            case .protobuf:
                // The `Type` frame (length 2, `Type { type = SC_CHAT }`), the body's length,
                // then field 1 (member), length-delimited.
                var prefix: [UInt8] = [0, 2, 0x08, UInt8(ChatProtoType.scChat.rawValue), 0, 0, 0x0A]
                ChatProtoWriter.appendVarint(UInt64(m.count), to: &prefix)
                prefix.append(contentsOf: m)
                return prefix
            }
        }
        guard let prefix else {
            author = nil
            return false
        }
        author = member
        frame.removeAll(keepingCapacity: true)
        frame.append(contentsOf: prefix)
        prefixCount = prefix.count
        return true
    }

    /// Builds the frame of `text` after the current author's prefix.
    /// - Returns: false when the text needs a JSON escape or the frame is too large.
    @inline(__always)
    private mutating func build(text: UnsafeBufferPointer<UInt8>) -> Bool {
        let bodyStart = lengthAt + 2
        let length: Int
        switch format {
        case .json:
            guard ChatWire.firstSpecial(text, from: 0).index == text.count else { return false }
            length = prefixCount - bodyStart + text.count + 2
        case .protobuf:
            length = prefixCount - bodyStart + 1 + ChatProtoWriter.varintSize(text.count) + text.count
        }
        guard length <= ChatWire.maxFrameBody else { return false }
        frame.removeLast(frame.count - prefixCount)
        frame[lengthAt] = UInt8(length >> 8)
        frame[lengthAt + 1] = UInt8(length & 0xff)
        switch format {
        case .json:
            frame.append(contentsOf: text)
            frame.append(0x22)  // "
            frame.append(0x7D)  // }
        case .protobuf:
            frame.append(0x12)  // field 2 (text), length-delimited
            ChatProtoWriter.appendVarint(UInt64(text.count), to: &frame)
            frame.append(contentsOf: text)
        }
        return true
    }
}
