import NetModel

/// The state of the cluster at the end of a run, as the runner reads it from the live nodes:
/// plain, sorted data that the checkers compare with each other and with the trace.
///
/// Every array is sorted (the initializer sorts what it is given), so two snapshots of the same
/// state are equal and anything printed from one is in a stable order.
package struct ClusterSnapshot: Sendable, Equatable {
    /// Server nodes (management, session, frontends, chat, gateway) that are up and not fenced at
    /// the end of the run, sorted.
    package var liveServers: [NodeName]
    /// The manager's registered nodes, sorted; nil when `management-1` is down at the end.
    package var registry: [NodeName]?
    /// The session node's map, one row per user, sorted; nil when `session-1` is down at the end.
    package var sessionEntries: [SessionRow]?
    /// Every open, accepted push stream on every live frontend, sorted.
    package var frontendStreams: [StreamRow]
    /// Every simulated client (one row per device), sorted by client name.
    package var clients: [ClientRow]
    /// Chat room membership at the chat node, sorted; nil when there is no chat node or it is down.
    package var chatMembers: [ChatMemberRow]?

    /// Makes a snapshot; every list is sorted here.
    package init(liveServers: [NodeName] = [], registry: [NodeName]? = nil, sessionEntries: [SessionRow]? = nil,
                frontendStreams: [StreamRow] = [], clients: [ClientRow] = [], chatMembers: [ChatMemberRow]? = nil) {
        self.liveServers = liveServers.sorted()
        self.registry = registry?.sorted()
        self.sessionEntries = sessionEntries?.sorted()
        self.frontendStreams = frontendStreams.sorted()
        self.clients = clients.sorted()
        self.chatMembers = chatMembers?.sorted()
    }

    /// The client rows of `user`, in client order.
    /// - Returns: every device of that user (retired ones included); empty when none.
    package func clients(of user: String) -> [ClientRow] {
        clients.filter { $0.user == user }
    }
}

/// One entry of the session node's map: `user` has its push stream `connection` on `frontend`.
package struct SessionRow: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The user name.
    package var user: String
    /// The frontend holding the stream.
    package var frontend: NodeName
    /// The frontend's connection id of the stream.
    package var connection: UInt64

    /// Makes a row.
    package init(user: String, frontend: NodeName, connection: UInt64) {
        self.user = user
        self.frontend = frontend
        self.connection = connection
    }

    /// `user@frontend#connection`.
    package var description: String { "\(user)@\(frontend)#\(connection)" }

    /// Orders by user, frontend, connection.
    package static func < (a: SessionRow, b: SessionRow) -> Bool {
        (a.user, a.frontend, a.connection) < (b.user, b.frontend, b.connection)
    }
}

/// One open, accepted push stream on a live frontend.
package struct StreamRow: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The frontend holding it.
    package var frontend: NodeName
    /// The user it belongs to.
    package var user: String
    /// The frontend's connection id.
    package var connection: UInt64

    /// Makes a row.
    package init(frontend: NodeName, user: String, connection: UInt64) {
        self.frontend = frontend
        self.user = user
        self.connection = connection
    }

    /// The same stream as a session-map row.
    package var sessionRow: SessionRow { SessionRow(user: user, frontend: frontend, connection: connection) }

    /// `user@frontend#connection`.
    package var description: String { sessionRow.description }

    /// Orders by frontend, user, connection.
    package static func < (a: StreamRow, b: StreamRow) -> Bool {
        (a.frontend, a.user, a.connection) < (b.frontend, b.user, b.connection)
    }
}

/// One simulated client (one device) at the end of a run.
package struct ClientRow: Sendable, Hashable, Comparable {
    /// The client's node name, `client-N`.
    package var client: NodeName
    /// The user it logs in as (two devices of a duplicate login share it).
    package var user: String
    /// Whether its push stream is open and accepted.
    package var connected: Bool
    /// The frontend of its push stream, when connected.
    package var frontend: NodeName?
    /// Whether its last request got a successful reply.
    package var lastRequestOK: Bool
    /// A duplicate-login device kicked on purpose (the newer login won): not expected to be live.
    package var retired: Bool

    /// Makes a row.
    package init(client: NodeName, user: String, connected: Bool, frontend: NodeName? = nil,
                lastRequestOK: Bool, retired: Bool = false) {
        self.client = client
        self.user = user
        self.connected = connected
        self.frontend = frontend
        self.lastRequestOK = lastRequestOK
        self.retired = retired
    }

    /// Orders by client name.
    package static func < (a: ClientRow, b: ClientRow) -> Bool {
        (a.client, a.user) < (b.client, b.user)
    }
}

/// One member of one chat room at the end of a run.
package struct ChatMemberRow: Sendable, Hashable, Comparable {
    /// The room number.
    package var room: Int
    /// The member's user name.
    package var user: String

    /// Makes a row.
    package init(room: Int, user: String) {
        self.room = room
        self.user = user
    }

    /// Orders by room, then user.
    package static func < (a: ChatMemberRow, b: ChatMemberRow) -> Bool {
        (a.room, a.user) < (b.room, b.user)
    }
}
