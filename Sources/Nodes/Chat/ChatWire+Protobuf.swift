/// `mju.Type.MessageType`: the value of the `Type` frame that precedes every protobuf body.
enum ChatProtoType: Int32, Sendable, CaseIterable {
    case csName = 0, csRooms = 1, csCreateRoom = 2, csJoinRoom = 3, csLeaveRoom = 4, csChat = 5
    case csShutdown = 6, scRoomsResult = 7, scChat = 8, scSystemMessage = 9

    /// The enum constant's name in the `.proto`.
    var protoName: String {
        switch self {
        case .csName: return "CS_NAME"
        case .csRooms: return "CS_ROOMS"
        case .csCreateRoom: return "CS_CREATE_ROOM"
        case .csJoinRoom: return "CS_JOIN_ROOM"
        case .csLeaveRoom: return "CS_LEAVE_ROOM"
        case .csChat: return "CS_CHAT"
        case .csShutdown: return "CS_SHUTDOWN"
        case .scRoomsResult: return "SC_ROOMS_RESULT"
        case .scChat: return "SC_CHAT"
        case .scSystemMessage: return "SC_SYSTEM_MESSAGE"
        }
    }

    /// Whether a client sends this type (`CS_*`).
    var isClientToServer: Bool { rawValue <= ChatProtoType.csShutdown.rawValue }

    /// How errors name this type: `SC_CHAT (8)`.
    var errorName: String { "\(protoName) (\(rawValue))" }
}

extension ChatWire {
    // MARK: - Encoding

    /// The serialized `Type{type}` message.
    static func protobufTypeBody(_ type: ChatProtoType) -> [UInt8] {
        var writer = ChatProtoWriter()
        writer.appendInt32(field: 1, type.rawValue)
        return writer.bytes
    }

    /// The `Type` frame body and the message body of a server→client message.
    static func protobufBodies(_ message: ChatServerMessage) -> (type: [UInt8], body: [UInt8]) {
        var writer = ChatProtoWriter()
        switch message {
        case .system(let text):
            writer.appendString(field: 1, text)
            return (protobufTypeBody(.scSystemMessage), writer.bytes)
        case .chat(let member, let text):
            writer.appendString(field: 1, member)
            writer.appendString(field: 2, text)
            return (protobufTypeBody(.scChat), writer.bytes)
        case .roomsResult(let rooms):
            for room in rooms {
                var info = ChatProtoWriter()
                info.appendInt32(field: 1, Int32(truncatingIfNeeded: room.roomID))
                info.appendString(field: 2, room.title)
                for member in room.members { info.appendString(field: 3, member) }
                writer.appendBytes(field: 1, info.bytes)
            }
            return (protobufTypeBody(.scRoomsResult), writer.bytes)
        }
    }

    /// The `Type` frame body and the message body of a client→server message.
    static func protobufBodies(_ message: ChatClientMessage) -> (type: [UInt8], body: [UInt8]) {
        var writer = ChatProtoWriter()
        let type: ChatProtoType
        switch message {
        case .name(let name):
            type = .csName
            writer.appendString(field: 1, name)
        case .rooms:
            type = .csRooms
        case .createRoom(let title):
            type = .csCreateRoom
            writer.appendString(field: 1, title)
        case .joinRoom(let roomID):
            type = .csJoinRoom
            writer.appendInt32(field: 1, roomID)
        case .leaveRoom:
            type = .csLeaveRoom
        case .chat(let text):
            type = .csChat
            writer.appendString(field: 1, text)
        case .shutdown:
            type = .csShutdown
        }
        return (protobufTypeBody(type), writer.bytes)
    }

    // MARK: - Decoding

    /// Decodes a `Type` frame.
    /// - Throws: `.missingField("Type.type")`, `.unknownType` for a value outside the enum, or
    ///   `.badProtobuf`.
    static func decodeProtobufType(_ body: some Collection<UInt8>) throws(ChatWireError) -> ChatProtoType {
        var raw: Int32?
        try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
            guard field == 1, wireType == .varint else { return false }
            raw = try reader.readInt32()
            return true
        }
        guard let raw else { throw .missingField("Type.type") }
        guard let type = ChatProtoType(rawValue: raw) else { throw .unknownType("\(raw) in Type.type") }
        return type
    }

    /// Decodes the body of a client→server message whose `Type` frame said `type`.
    /// - Throws: `.unknownType` for an `SC_*` type, `.missingField`, or `.badProtobuf`.
    static func decodeProtobufClient(type: ChatProtoType, body: some Collection<UInt8>) throws(ChatWireError)
        -> ChatClientMessage
    {
        switch type {
        case .csName:
            return .name(try requiredString(body, field: 1, name: "CSName.name"))
        case .csRooms:
            try forEachField(body) { (_: inout ChatProtoReader, _, _) throws(ChatWireError) in false }
            return .rooms
        case .csCreateRoom:
            return .createRoom(title: try optionalString(body, field: 1, name: "CSCreateRoom.title") ?? "")
        case .csJoinRoom:
            var roomID: Int32?
            try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
                guard field == 1, wireType == .varint else { return false }
                roomID = try reader.readInt32()
                return true
            }
            guard let roomID else { throw .missingField("CSJoinRoom.roomId") }
            return .joinRoom(roomID)
        case .csLeaveRoom:
            try forEachField(body) { (_: inout ChatProtoReader, _, _) throws(ChatWireError) in false }
            return .leaveRoom
        case .csChat:
            return .chat(try requiredString(body, field: 1, name: "CSChat.text"))
        case .csShutdown:
            try forEachField(body) { (_: inout ChatProtoReader, _, _) throws(ChatWireError) in false }
            return .shutdown
        case .scRoomsResult, .scChat, .scSystemMessage:
            throw .unknownType(type.errorName)
        }
    }

    /// Decodes the body of a server→client message whose `Type` frame said `type`.
    /// - Throws: `.unknownType` for a `CS_*` type, `.missingField`, or `.badProtobuf`.
    static func decodeProtobufServer(type: ChatProtoType, body: some Collection<UInt8>) throws(ChatWireError)
        -> ChatServerMessage
    {
        switch type {
        case .scSystemMessage:
            return .system(try requiredString(body, field: 1, name: "SCSystemMessage.text"))
        case .scChat:
            var member: String?
            var text: String?
            try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
                guard wireType == .lengthDelimited else { return false }
                switch field {
                case 1: member = try reader.readString("SCChat.member")
                case 2: text = try reader.readString("SCChat.text")
                default: return false
                }
                return true
            }
            guard let member else { throw .missingField("SCChat.member") }
            guard let text else { throw .missingField("SCChat.text") }
            return .chat(member: member, text: text)
        case .scRoomsResult:
            var rooms: [ChatRoomInfo] = []
            try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
                guard field == 1, wireType == .lengthDelimited else { return false }
                rooms.append(try decodeRoomInfo(reader.readLengthDelimited()))
                return true
            }
            return .roomsResult(rooms)
        case .csName, .csRooms, .csCreateRoom, .csJoinRoom, .csLeaveRoom, .csChat, .csShutdown:
            throw .unknownType(type.errorName)
        }
    }

    // MARK: - Helpers

    private static func decodeRoomInfo(_ body: ArraySlice<UInt8>) throws(ChatWireError) -> ChatRoomInfo {
        var roomID: Int32?
        var title = ""
        var members: [String] = []
        try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
            switch (field, wireType) {
            case (1, .varint): roomID = try reader.readInt32()
            case (2, .lengthDelimited): title = try reader.readString("RoomInfo.title")
            case (3, .lengthDelimited): members.append(try reader.readString("RoomInfo.members"))
            default: return false
            }
            return true
        }
        guard let roomID else { throw .missingField("SCRoomsResult.RoomInfo.roomId") }
        return ChatRoomInfo(roomID: Int(roomID), title: title, members: members)
    }

    /// Walks every field of `body`; `handle` reads the value of a field it knows and returns
    /// `true`, or returns `false` to have it skipped by wire type (unknown field, or a known
    /// number with an unexpected wire type, as protobuf parsers treat it).
    private static func forEachField(
        _ body: some Collection<UInt8>,
        _ handle: (inout ChatProtoReader, Int, ChatProtoWireType) throws(ChatWireError) -> Bool
    ) throws(ChatWireError) {
        var reader = ChatProtoReader(body)
        while let (field, wireType) = try reader.readTag() {
            if try !handle(&reader, field, wireType) {
                try reader.skip(field: field, wireType)
            }
        }
    }

    private static func optionalString(_ body: some Collection<UInt8>, field number: Int, name: String)
        throws(ChatWireError) -> String?
    {
        var value: String?
        try forEachField(body) { (reader: inout ChatProtoReader, field, wireType) throws(ChatWireError) in
            guard field == number, wireType == .lengthDelimited else { return false }
            value = try reader.readString(name)
            return true
        }
        return value
    }

    private static func requiredString(_ body: some Collection<UInt8>, field number: Int, name: String)
        throws(ChatWireError) -> String
    {
        guard let value = try optionalString(body, field: number, name: name) else { throw .missingField(name) }
        return value
    }
}
