import Nodes

/// A lean reader of the server→client byte stream for the load generator: it frames the bytes
/// and pulls `ROOM:SEQ:` out of each chat line without building strings, so that the load
/// generator (not the server under test) stays cheap. Other messages are only counted.
struct ChatBenchFrameScanner {
    /// What one complete message was.
    enum Item {
        /// A chat line carrying a bench text.
        case chat(room: Int, seq: Int)
        /// A system message or room list (set-up traffic, join notices).
        case other
        /// A chat line whose text is not a bench text.
        case malformed
    }

    let format: ChatWireFormat
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Protobuf: the `Type` frame said SC_CHAT (8) and its body frame is awaited; nil when no
    /// `Type` frame is pending.
    private var pendingIsChat: Bool?

    init(format: ChatWireFormat) {
        self.format = format
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message.
    /// - Returns: what it was, or nil when the buffer holds no complete message.
    mutating func next() -> Item? {
        while let (start, end) = nextFrame() {
            switch format {
            case .json:
                return scanJSON(start, end)
            case .protobuf:
                if let isChat = pendingIsChat {
                    pendingIsChat = nil
                    return isChat ? scanProtobufChat(start, end) : .other
                }
                // `Type { type = 8 }` is 0x08 0x08.
                pendingIsChat = end - start == 2 && buffer[start] == 0x08 && buffer[start + 1] == 8
            }
        }
        return nil
    }

    private mutating func nextFrame() -> (Int, Int)? {
        guard buffer.count - readIndex >= 2 else { return nil }
        let length = Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
        guard buffer.count - readIndex - 2 >= length else { return nil }
        let start = readIndex + 2
        readIndex = start + length
        return (start, readIndex)
    }

    private static let chatPrefix = Array(#"{"type":"SCChat""#.utf8)
    private static let textKey = Array(#""text":""#.utf8)

    private func scanJSON(_ start: Int, _ end: Int) -> Item {
        let prefix = Self.chatPrefix
        guard end - start > prefix.count, buffer[start..<(start + prefix.count)].elementsEqual(prefix) else { return .other }
        let key = Self.textKey
        var i = start + prefix.count
        while i + key.count <= end {
            if buffer[i] == key[0], buffer[i..<(i + key.count)].elementsEqual(key) {
                return scanText(i + key.count, end)
            }
            i += 1
        }
        return .malformed
    }

    /// `SCChat`: field 1 (member, 0x0A) then field 2 (text, 0x12), each with a one-byte length
    /// for the bench's short names and texts below 128 bytes, or a varint length otherwise.
    private func scanProtobufChat(_ start: Int, _ end: Int) -> Item {
        var i = start
        while i < end {
            let tag = buffer[i]
            i += 1
            var length = 0, shift = 0
            while i < end {
                let byte = buffer[i]
                i += 1
                length |= Int(byte & 0x7f) << shift
                shift += 7
                if byte < 0x80 { break }
            }
            if tag == 0x12 { return scanText(i, min(i + length, end)) }
            i += length
        }
        return .malformed
    }

    private func scanText(_ start: Int, _ end: Int) -> Item {
        var room = 0, seq = 0, field = 0, digits = 0
        var i = start
        while i < end {
            let byte = buffer[i]
            i += 1
            if byte == UInt8(ascii: ":") {
                guard digits > 0 else { return .malformed }
                field += 1
                digits = 0
                if field == 2 { return .chat(room: room, seq: seq) }
                continue
            }
            guard byte >= 48, byte <= 57 else { return .malformed }
            if field == 0 { room = room &* 10 &+ Int(byte - 48) } else { seq = seq &* 10 &+ Int(byte - 48) }
            digits += 1
        }
        return .malformed
    }
}
