/// The name of a node or client, `ROLE-N` with N from 1: `management-1`, `session-1`,
/// `frontend-3`, `chat-1`, `gateway-1`, `client-17`, `chat-door-2`.
///
/// Names are the stable identity of a node across crashes and restarts; the trace, the
/// experiment file and the address book all speak in names.
public struct NodeName: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The role part (`frontend` in `frontend-3`).
    public let role: NodeRole
    /// The number part, from 1 (`3` in `frontend-3`).
    public let index: Int

    /// Makes a name from its parts. `index` must be 1 or more.
    public init(_ role: NodeRole, _ index: Int) {
        precondition(index >= 1, "node numbers start at 1")
        self.role = role
        self.index = index
    }

    /// Parses `ROLE-N`.
    /// - Returns: the name, or nil when the text is not a known role, a dash and a number from 1
    ///   without leading zeros.
    public init?(parsing text: String) {
        guard let dash = text.lastIndex(of: "-") else { return nil }
        guard let role = NodeRole(rawValue: String(text[..<dash])) else { return nil }
        let digits = text[text.index(after: dash)...]
        guard let first = digits.first, first != "0", digits.allSatisfy(\.isASCII),
              let n = Int(digits), n >= 1 else { return nil }
        self.init(role, n)
    }

    /// `ROLE-N`.
    public var description: String { "\(role.rawValue)-\(index)" }

    public static func < (a: NodeName, b: NodeName) -> Bool {
        (a.role.order, a.index) < (b.role.order, b.index)
    }

    /// One word: the role's order above the number (the synthesized hash went through the role's
    /// raw string: a String hash on every dictionary lookup by name).
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(truncatingIfNeeded: role.order) << 56 | UInt64(truncatingIfNeeded: index))
    }

    @inlinable
    public static func == (a: NodeName, b: NodeName) -> Bool { a.index == b.index && a.role == b.role }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let name = NodeName(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "expected a node name like \"frontend-1\", got \"\(text)\""))
        }
        self = name
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// `management-1`.
    public static let management = NodeName(.management, 1)
    /// `session-1`.
    public static let session = NodeName(.session, 1)
}

/// The roles of the k2svc cluster (seed 000) plus the simulated game client.
public enum NodeRole: String, Sendable, Codable, CaseIterable {
    /// The server management service: registration, pings, removal, fencing.
    case management
    /// The session service: which frontend holds each user's push stream.
    case session
    /// A frontend: login, push stream, stateless request services, backend host.
    case frontend
    /// The chat room node (seed 004).
    case chat
    /// The gateway that routes client requests to live frontends (seed 001).
    case gateway
    /// A simulated game client.
    case client
    /// A chat front door: the cluster node inside a `simctl chat-server --management` process,
    /// holding that server's chat connections as push streams (name `chat-door-N`).
    case chatDoor = "chat-door"

    /// Sort order used wherever names are listed: infrastructure first, clients last.
    @inlinable
    public var order: Int {
        switch self {
        case .management: 0
        case .session: 1
        case .frontend: 2
        case .chat: 3
        case .gateway: 4
        case .client: 5
        // After the clients: the number is the role's byte in the trace hash (docs/trace-format.md),
        // so the roles that existed before keep theirs.
        case .chatDoor: 6
        }
    }
}
