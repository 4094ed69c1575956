/// The JSON shapes of `docs/chat-protocol.md`. A field is required exactly when the `.proto`
/// marks it `required` (so `CSCreateRoom.title`, `RoomInfo.title`, `RoomInfo.members` and
/// `SCRoomsResult.rooms` may be absent); unknown keys are ignored.
extension ChatWire {
    // MARK: - Encoding

    /// The compact JSON body of a server→client message, `type` first.
    static func jsonBody(_ message: ChatServerMessage) -> [UInt8] {
        var writer = ChatJSONWriter()
        writer.object { w in
            switch message {
            case .system(let text):
                w.key("type"); w.string("SCSystemMessage")
                w.key("text"); w.string(text)
            case .chat(let member, let text):
                w.key("type"); w.string("SCChat")
                w.key("member"); w.string(member)
                w.key("text"); w.string(text)
            case .roomsResult(let rooms):
                w.key("type"); w.string("SCRoomsResult")
                w.key("rooms")
                w.array(rooms) { w, room in
                    w.object { w in
                        w.key("roomId"); w.integer(room.roomID)
                        w.key("title"); w.string(room.title)
                        w.key("members"); w.array(room.members) { w, name in w.string(name) }
                    }
                }
            }
        }
        return writer.bytes
    }

    /// The compact JSON body of a client→server message, `type` first.
    static func jsonBody(_ message: ChatClientMessage) -> [UInt8] {
        var writer = ChatJSONWriter()
        writer.object { w in
            switch message {
            case .name(let name):
                w.key("type"); w.string("CSName")
                w.key("name"); w.string(name)
            case .rooms:
                w.key("type"); w.string("CSRooms")
            case .createRoom(let title):
                w.key("type"); w.string("CSCreateRoom")
                w.key("title"); w.string(title)
            case .joinRoom(let roomID):
                w.key("type"); w.string("CSJoinRoom")
                w.key("roomId"); w.integer(Int(roomID))
            case .leaveRoom:
                w.key("type"); w.string("CSLeaveRoom")
            case .chat(let text):
                w.key("type"); w.string("CSChat")
                w.key("text"); w.string(text)
            case .shutdown:
                w.key("type"); w.string("CSShutdown")
            }
        }
        return writer.bytes
    }

    // MARK: - Decoding

    /// Decodes one JSON frame body sent by a client.
    /// - Throws: `.malformedJSON`, `.missingField`, `.invalidField`, or `.unknownType` for any
    ///   `type` that is not a `CS*` message.
    static func decodeJSONClient(_ body: some Collection<UInt8>) throws(ChatWireError) -> ChatClientMessage {
        let (type, fields) = try typedObject(body)
        switch type {
        case "CSName": return .name(try string(fields, "name", in: type))
        case "CSRooms": return .rooms
        case "CSCreateRoom": return .createRoom(title: try optionalString(fields, "title", in: type) ?? "")
        case "CSJoinRoom":
            guard let value = fields["roomId"] else { throw .missingField("CSJoinRoom.roomId") }
            return .joinRoom(try integer(value, as: Int32.self, field: "CSJoinRoom.roomId"))
        case "CSLeaveRoom": return .leaveRoom
        case "CSChat": return .chat(try string(fields, "text", in: type))
        case "CSShutdown": return .shutdown
        default: throw .unknownType(quoted(type))
        }
    }

    /// Decodes one JSON frame body sent by a server.
    /// - Throws: `.malformedJSON`, `.missingField`, `.invalidField`, or `.unknownType` for any
    ///   `type` that is not an `SC*` message.
    static func decodeJSONServer(_ body: some Collection<UInt8>) throws(ChatWireError) -> ChatServerMessage {
        let (type, fields) = try typedObject(body)
        switch type {
        case "SCSystemMessage": return .system(try string(fields, "text", in: type))
        case "SCChat": return .chat(member: try string(fields, "member", in: type), text: try string(fields, "text", in: type))
        case "SCRoomsResult":
            guard let value = fields["rooms"] else { return .roomsResult([]) }
            guard case .array(let elements) = value else {
                throw .invalidField("SCRoomsResult.rooms", reason: "expected an array")
            }
            var rooms: [ChatRoomInfo] = []
            for element in elements { rooms.append(try roomInfo(element)) }
            return .roomsResult(rooms)
        default: throw .unknownType(quoted(type))
        }
    }

    // MARK: - Helpers

    private static func quoted(_ type: String) -> String { "\"\(type)\"" }

    /// Parses `body` as an object with a string `type`.
    private static func typedObject(_ body: some Collection<UInt8>) throws(ChatWireError)
        -> (type: String, fields: [String: ChatJSONValue])
    {
        guard case .object(let fields) = try ChatJSONParser.parse(body) else {
            throw .malformedJSON("the message is not a JSON object")
        }
        guard let typeValue = fields["type"] else { throw .missingField("type") }
        guard case .string(let type) = typeValue else { throw .invalidField("type", reason: "expected a string") }
        return (type, fields)
    }

    private static func roomInfo(_ value: ChatJSONValue) throws(ChatWireError) -> ChatRoomInfo {
        let name = "SCRoomsResult.rooms[]"
        guard case .object(let fields) = value else { throw .invalidField(name, reason: "expected an object") }
        guard let id = fields["roomId"] else { throw .missingField("\(name).roomId") }
        let roomID = try integer(id, as: Int.self, field: "\(name).roomId")
        let title = try optionalString(fields, "title", in: name) ?? ""
        var members: [String] = []
        switch fields["members"] {
        case nil: break
        case .array(let elements)?:
            for element in elements {
                guard case .string(let member) = element else {
                    throw .invalidField("\(name).members", reason: "expected an array of strings")
                }
                members.append(member)
            }
        default: throw .invalidField("\(name).members", reason: "expected an array of strings")
        }
        return ChatRoomInfo(roomID: roomID, title: title, members: members)
    }

    private static func optionalString(_ fields: [String: ChatJSONValue], _ key: String, in message: String)
        throws(ChatWireError) -> String?
    {
        switch fields[key] {
        case nil: return nil
        case .string(let text)?: return text
        default: throw .invalidField("\(message).\(key)", reason: "expected a string")
        }
    }

    private static func string(_ fields: [String: ChatJSONValue], _ key: String, in message: String)
        throws(ChatWireError) -> String
    {
        guard let text = try optionalString(fields, key, in: message) else { throw .missingField("\(message).\(key)") }
        return text
    }

    /// An integer field: a JSON number with an integral value, or a string holding a decimal
    /// integer (the reference server applies Python's `int()`), within `T`'s range.
    private static func integer<T: FixedWidthInteger>(_ value: ChatJSONValue, as _: T.Type, field: String)
        throws(ChatWireError) -> T
    {
        switch value {
        case .number(let literal):
            if !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                guard let exact = T(literal) else { throw .invalidField(field, reason: "\(literal) is out of range") }
                return exact
            }
            guard let double = Double(literal), let exact = T(exactly: double) else {
                throw .invalidField(field, reason: "\(literal) is not an integer in range")
            }
            return exact
        case .string(let text):
            guard let exact = T(text) else { throw .invalidField(field, reason: "\"\(text)\" is not an integer in range") }
            return exact
        default:
            throw .invalidField(field, reason: "expected an integer")
        }
    }
}
