/// Frames chat lines for one event loop's fan-out in one reusable buffer: byte for byte what
/// `ChatWire.fastChatFrames` (and so the general codec) gives, without an array, a
/// `ChatServerMessage` or a comparison with the previous message per line.
///
/// The part of the frame that depends only on the author (`{"type":"SCChat","member":"NAME",
/// "text":"` in JSON, the `Type` frame and the member field in protobuf) is kept for the last
/// author, so a line costs the escape scan of its text and one copy of it.
struct ChatLineFramer {
    let format: ChatWireFormat
    /// The author whose part is in `authorPart` (nil: none yet, or it needs escaping).
    private var author: String?
    private var authorPart: [UInt8] = []
    private var frame: [UInt8] = []

    private static let jsonHead = Array(#"{"type":"SCChat","member":""#.utf8)
    private static let jsonMiddle = Array(#"","text":""#.utf8)
    private static let jsonTail = Array(#""}"#.utf8)

    /// A framer for `format`, holding nothing yet.
    init(format: ChatWireFormat) {
        self.format = format
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

    /// Caches `member`'s part of the frame.
    /// - Returns: false when the name needs a JSON escape.
    private mutating func setAuthor(_ member: String) -> Bool {
        var name = member
        let part: [UInt8]? = name.withUTF8 { m in
            switch format {
            case .json:
                guard ChatWire.firstSpecial(m, from: 0).index == m.count else { return nil }
                return Self.jsonHead + Array(m) + Self.jsonMiddle
            case .protobuf:
                var part: [UInt8] = [0x0A]  // field 1 (member), length-delimited
                Self.appendVarint(m.count, to: &part)
                part.append(contentsOf: m)
                return part
            }
        }
        guard let part else {
            author = nil
            return false
        }
        author = member
        authorPart = part
        return true
    }

    /// Builds the frame of `text` after the current author's part into `frame`.
    /// - Returns: false when the text needs a JSON escape or the frame is too large.
    @inline(__always)
    private mutating func build(text: UnsafeBufferPointer<UInt8>) -> Bool {
        frame.removeAll(keepingCapacity: true)
        switch format {
        case .json:
            guard ChatWire.firstSpecial(text, from: 0).index == text.count else { return false }
            let length = authorPart.count + text.count + Self.jsonTail.count
            guard length <= ChatWire.maxFrameBody else { return false }
            frame.append(UInt8(length >> 8))
            frame.append(UInt8(length & 0xff))
            frame.append(contentsOf: authorPart)
            frame.append(contentsOf: text)
            frame.append(contentsOf: Self.jsonTail)
        case .protobuf:
            let length = authorPart.count + 1 + Self.varintSize(text.count) + text.count
            guard length <= ChatWire.maxFrameBody else { return false }
            // The `Type` frame: length 2, `Type { type = SC_CHAT }`; then the body's frame.
            frame.append(contentsOf: [0, 2, 0x08, UInt8(ChatProtoType.scChat.rawValue), UInt8(length >> 8), UInt8(length & 0xff)])
            frame.append(contentsOf: authorPart)
            frame.append(0x12)  // field 2 (text), length-delimited
            Self.appendVarint(text.count, to: &frame)
            frame.append(contentsOf: text)
        }
        return true
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
}
