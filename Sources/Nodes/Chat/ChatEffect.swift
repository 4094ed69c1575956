/// Who a chat member is: a user id in the cluster, a connection id in the standalone server.
///
/// Encodes (`Codable`) as a bare string. Ordering is the ordering of the raw strings; the room
/// logic never relies on it for the order of effects (that is join order), it exists so that
/// checkers can sort ids.
package struct ChatMemberID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The raw id.
    package let rawValue: String

    /// Wraps a raw id.
    package init(_ rawValue: String) { self.rawValue = rawValue }

    /// Wraps a string literal, for tests and fixtures.
    package init(stringLiteral value: String) { self.rawValue = value }

    /// Decodes a bare string.
    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes as a bare string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Orders ids by their raw strings.
    /// - Returns: `lhs.rawValue < rhs.rawValue`.
    package static func < (lhs: ChatMemberID, rhs: ChatMemberID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The raw id.
    package var description: String { rawValue }
}

/// One room as `/rooms` reports it.
package struct ChatRoomInfo: Hashable, Sendable, Codable {
    /// The room number (from 1 upward, never reused within one node's life).
    package var roomID: Int
    /// The title given at `/create`.
    package var title: String
    /// The members' display names, in join order.
    package var members: [String]

    /// Makes a room description.
    package init(roomID: Int, title: String, members: [String]) {
        self.roomID = roomID
        self.title = title
        self.members = members
    }
}

/// Something the chat room logic wants sent; the shell that owns the connections carries it out
/// in the order given.
package enum ChatEffect: Equatable, Sendable {
    /// A system message (`SCSystemMessage`) to one member.
    case system(to: ChatMemberID, text: String)
    /// A chat line (`SCChat`) to one member; `from` is the sender's display name.
    case chat(to: ChatMemberID, from: String, text: String)
    /// The room list (`SCRoomsResult`) to one member.
    case rooms(to: ChatMemberID, [ChatRoomInfo])

    /// The member this effect goes to.
    package var recipient: ChatMemberID {
        switch self {
        case .system(let to, _), .chat(let to, _, _), .rooms(let to, _): return to
        }
    }

    /// The wire message this effect sends.
    /// - Returns: `.system`, `.chat` or `.roomsResult` carrying this effect's payload.
    package var message: ChatServerMessage {
        switch self {
        case .system(_, let text): return .system(text)
        case .chat(_, let from, let text): return .chat(member: from, text: text)
        case .rooms(_, let rooms): return .roomsResult(rooms)
        }
    }
}
