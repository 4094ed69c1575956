/// A message from a chat client to the server (the `CS*` messages of `docs/chat-protocol.md`).
package enum ChatClientMessage: Equatable, Sendable {
    /// `/name NAME` (`CSName`).
    case name(String)
    /// `/rooms` (`CSRooms`).
    case rooms
    /// `/create TITLE` (`CSCreateRoom`; the title is optional on the wire and defaults to "").
    case createRoom(title: String)
    /// `/join N` (`CSJoinRoom`).
    case joinRoom(Int32)
    /// `/leave` (`CSLeaveRoom`).
    case leaveRoom
    /// A plain chat line (`CSChat`).
    case chat(String)
    /// `/shutdown` (`CSShutdown`).
    case shutdown
}

/// A message from the chat server to a client (the `SC*` messages of `docs/chat-protocol.md`).
package enum ChatServerMessage: Equatable, Sendable {
    /// A system notice (`SCSystemMessage`); the client prints it after `[시스템 메시지] `.
    case system(String)
    /// A chat line relayed from another member (`SCChat`).
    case chat(member: String, text: String)
    /// The answer to `/rooms` (`SCRoomsResult`).
    case roomsResult([ChatRoomInfo])
}

/// The encoding a chat server speaks, chosen at start-up (`--format json|protobuf`).
package enum ChatWireFormat: String, Sendable, CaseIterable {
    /// One frame per message holding a UTF-8 JSON object with a `type` field.
    case json
    /// Two frames per message: a serialized `mju.Type`, then the body message.
    case protobuf
}

/// Why bytes from a chat peer could not be decoded (or a message could not be framed).
///
/// Every case means the connection cannot go on: the shell sends a system message where the
/// format allows and closes that one connection; other clients are unaffected.
package enum ChatWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A JSON frame is not a well-formed UTF-8 JSON object; the payload says where or why.
    case malformedJSON(String)
    /// The message type is unknown or not valid in this direction (JSON `type` string, or the
    /// protobuf `Type.type` as `NAME (number)`).
    case unknownType(String)
    /// A required field is absent, named `Message.field`.
    case missingField(String)
    /// A field is present with a value of the wrong kind or out of range.
    case invalidField(String, reason: String)
    /// A protobuf frame does not parse; the payload says why.
    case badProtobuf(String)
    /// A frame body is longer than the limit (the peer's length prefix, or a message to encode
    /// that does not fit the 2-byte length prefix).
    case frameTooLarge(length: Int, limit: Int)

    /// A one-line explanation for logs and for the system message sent before closing.
    package var description: String {
        switch self {
        case .malformedJSON(let why):
            return "malformed JSON message: \(why); send one UTF-8 JSON object per frame"
        case .unknownType(let type):
            return "unknown message type \(type); only the types of the chat protocol are accepted"
        case .missingField(let field):
            return "required field \(field) is missing"
        case .invalidField(let field, let reason):
            return "field \(field) is invalid: \(reason)"
        case .badProtobuf(let why):
            return "malformed protobuf message: \(why)"
        case .frameTooLarge(let length, let limit):
            return "frame body of \(length) bytes exceeds the limit of \(limit) bytes"
        }
    }
}

/// Encoders for complete framed chat messages; decoding is `ChatFrameDecoder`.
package enum ChatWire {
    /// The largest body a 2-byte big-endian length prefix can announce.
    package static let maxFrameBody = 65535

    /// Encodes a server→client message as the bytes to write to the socket.
    /// - Returns: one frame (JSON) or two frames (protobuf: `Type`, then the body), each a 2-byte
    ///   big-endian length followed by the body.
    /// - Throws: `.frameTooLarge` when a body exceeds 65535 bytes (a long room list or chat
    ///   line); nothing is truncated.
    package static func encode(_ message: ChatServerMessage, format: ChatWireFormat) throws(ChatWireError) -> [UInt8] {
        switch format {
        case .json:
            return try frame(jsonBody(message))
        case .protobuf:
            let (type, body) = protobufBodies(message)
            return try frame(type) + frame(body)
        }
    }

    /// Encodes a client→server message as the bytes to write to the socket (for test clients).
    /// - Returns: one frame (JSON) or two frames (protobuf: `Type`, then the body).
    /// - Throws: `.frameTooLarge` when a body exceeds 65535 bytes.
    package static func encode(_ message: ChatClientMessage, format: ChatWireFormat) throws(ChatWireError) -> [UInt8] {
        switch format {
        case .json:
            return try frame(jsonBody(message))
        case .protobuf:
            let (type, body) = protobufBodies(message)
            return try frame(type) + frame(body)
        }
    }

    /// Prefixes `body` with its 2-byte big-endian length.
    static func frame(_ body: [UInt8]) throws(ChatWireError) -> [UInt8] {
        guard body.count <= maxFrameBody else {
            throw .frameTooLarge(length: body.count, limit: maxFrameBody)
        }
        return [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }
}
