import Nodes

/// A lean reader of the server→client byte stream for the load generator: it frames the bytes
/// and pulls `ROOM:SEQ:` out of each chat line (or each Redis `message` push) without building
/// strings, so that the load generator (not the server under test) stays cheap. Other messages
/// are only counted.
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

    let wire: ChatBenchWire
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Protobuf: the `Type` frame said SC_CHAT (8) and its body frame is awaited; nil when no
    /// `Type` frame is pending.
    private var pendingIsChat: Bool?

    init(wire: ChatBenchWire) {
        self.wire = wire
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
        guard case .chat(let format) = wire else { return nextRESP() }
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

    // MARK: RESP2 (Redis)

    /// The next complete RESP2 reply or push: a `message` push's payload is scanned like a chat
    /// line's text; subscribe confirmations, PUBLISH's integer replies and other simple replies
    /// are `.other`; an error reply or a byte that starts no RESP2 type is `.malformed` (and ends
    /// the scan of this buffer: the stream cannot be framed past it).
    private mutating func nextRESP() -> Item? {
        var i = readIndex
        guard i < buffer.count else { return nil }
        let type = buffer[i]
        switch type {
        case UInt8(ascii: "*"):
            i += 1
            guard let count = respInteger(&i), count >= 0 else { return nil }
            var payload: (Int, Int)?
            var isMessage = false
            for element in 0..<count {
                guard i < buffer.count else { return nil }
                if buffer[i] == UInt8(ascii: "$") {
                    i += 1
                    guard let length = respInteger(&i) else { return nil }
                    guard length >= 0, buffer.count - i >= length + 2 else { return nil }
                    if element == 0 { isMessage = length == 7 && buffer[i..<(i + 7)].elementsEqual("message".utf8) }
                    if element == 2 { payload = (i, i + length) }
                    i += length + 2
                } else {
                    i += 1
                    guard respInteger(&i) != nil else { return nil }
                }
            }
            readIndex = i
            if isMessage, let (start, end) = payload { return scanText(start, end) }
            return .other
        case UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            i += 1
            guard respLineEnd(&i) else { return nil }
            readIndex = i
            return type == UInt8(ascii: "-") ? .malformed : .other
        default:
            readIndex = buffer.count
            return .malformed
        }
    }

    /// Reads a decimal integer ended by CRLF at `i`, moving `i` past the CRLF.
    /// - Returns: the number, or nil when the line is not complete yet.
    private func respInteger(_ i: inout Int) -> Int? {
        var value = 0, negative = false, j = i
        if j < buffer.count, buffer[j] == UInt8(ascii: "-") { negative = true; j += 1 }
        while j < buffer.count, buffer[j] >= 48, buffer[j] <= 57 {
            value = value &* 10 &+ Int(buffer[j] - 48)
            j += 1
        }
        guard buffer.count - j >= 2 else { return nil }
        i = j + 2
        return negative ? -value : value
    }

    /// Moves `i` past the next CRLF.
    /// - Returns: false when the line is not complete yet.
    private func respLineEnd(_ i: inout Int) -> Bool {
        var j = i
        while j + 1 < buffer.count {
            if buffer[j] == 13, buffer[j + 1] == 10 {
                i = j + 2
                return true
            }
            j += 1
        }
        return false
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
