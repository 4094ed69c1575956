import Nodes

/// What `simctl bench chat` speaks to the server it measures: the chat protocol in one of its
/// formats (`simctl chat-server`), or Redis's RESP2 pub/sub (`redis-server`, the reference the
/// chat server is compared with: a room is a channel, its sender PUBLISHes, the other members
/// SUBSCRIBE, so one message is M − 1 deliveries in both).
enum ChatBenchWire: Equatable {
    /// The chat protocol (docs/chat-protocol.md) in `format`.
    case chat(ChatWireFormat)
    /// Redis pub/sub over RESP2.
    case redis

    /// `json`, `protobuf` or `redis`.
    var name: String {
        switch self {
        case .chat(let format): format.rawValue
        case .redis: "redis"
        }
    }
}

/// The RESP2 commands the load generator sends to Redis.
enum RESP {
    /// `command` as a RESP array of bulk strings, e.g. `*2\r\n$9\r\nSUBSCRIBE\r\n$7\r\nbench-0\r\n`.
    static func command(_ parts: [String]) -> [UInt8] {
        var out = Array("*\(parts.count)\r\n".utf8)
        for part in parts {
            out += Array("$\(part.utf8.count)\r\n".utf8)
            out += Array(part.utf8)
            out += [13, 10]
        }
        return out
    }

    /// The channel of room `room`.
    static func channel(_ room: Int) -> String { "bench-\(room)" }
}
