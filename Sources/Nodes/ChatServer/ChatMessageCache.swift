/// Encodes server→client messages for one event loop, reusing the bytes of the previous message
/// when the next is the same: a chat line or a notice fanned out to a room is encoded once, not
/// once per member.
struct ChatMessageCache {
    let format: ChatWireFormat
    private var last: ChatServerMessage?
    private var lastBytes: [UInt8] = []

    /// A cache for `format` holding nothing yet.
    init(format: ChatWireFormat) {
        self.format = format
    }

    /// The framed bytes of `message`; a room list longer than one frame is split
    /// (`ChatRoomsPaging`).
    /// - Returns: the frames to write (one in JSON, two in protobuf, more for a long room list).
    /// - Throws: `ChatWireError.frameTooLarge` when the message does not fit a frame.
    mutating func bytes(for message: ChatServerMessage) throws(ChatWireError) -> [UInt8] {
        if let last, last == message { return lastBytes }
        let bytes: [UInt8]
        switch message {
        case .chat(let member, let text):
            if let fast = ChatWire.fastChatFrames(member: member, text: text, format: format) {
                bytes = fast
            } else {
                bytes = try ChatWire.encode(message, format: format)
            }
        case .roomsResult(let rooms):
            bytes = ChatRoomsPaging.frames(for: rooms, format: format)
        case .system:
            bytes = try ChatWire.encode(message, format: format)
        }
        last = message
        lastBytes = bytes
        return bytes
    }

    /// The framed bytes of the chat line `text` from `member`, remembered like `bytes(for:)`.
    /// - Returns: the frames, or nil when the line does not fit a frame.
    mutating func chatBytes(member: String, text: String) -> [UInt8]? {
        if case .chat(let lastMember, let lastText)? = last, lastMember == member, lastText == text { return lastBytes }
        return try? bytes(for: .chat(member: member, text: text))
    }
}
