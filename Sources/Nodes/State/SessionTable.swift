import NetModel

/// Where one user's push stream is: the session node's record of a login.
package struct SessionEntry: Hashable, Sendable {
    /// The frontend that holds the user's push stream.
    package var frontend: NodeName
    /// The push stream's connection id on that frontend.
    package var connection: UInt64
    /// When the session began (the login, or the stream's opening as re-sent by a resync).
    package var since: VirtualInstant

    /// An entry.
    package init(frontend: NodeName, connection: UInt64, since: VirtualInstant) {
        self.frontend = frontend
        self.connection = connection
        self.since = since
    }
}

/// One user's session, for listings.
package struct UserSession: Hashable, Sendable {
    /// The user id.
    package var user: String
    /// Where the user's push stream is.
    package var entry: SessionEntry

    /// A listing row.
    package init(user: String, entry: SessionEntry) {
        self.user = user
        self.entry = entry
    }
}

/// One live push stream a frontend re-sends after a session-node restart.
package struct ResyncStream: Hashable, Sendable {
    /// The user id.
    package var user: String
    /// The stream's connection id on the sending frontend.
    package var connection: UInt64
    /// When the stream's session began (the frontend's record of the login).
    package var since: VirtualInstant

    /// A stream.
    package init(user: String, connection: UInt64, since: VirtualInstant) {
        self.user = user
        self.connection = connection
        self.since = since
    }
}

/// A directive from `SessionTable` for the session node's shell.
package enum SessionEffect: Hashable, Sendable {
    /// Tell `frontend` to close the push stream `connection` of `user`: a newer session replaced it.
    case kick(user: String, frontend: NodeName, connection: UInt64)
}

/// The session node's map of user → push stream (seed 000's session service), as a pure value
/// type.
///
/// Rules (DESIGN.md §4, with the seed's defects fixed):
/// - last login wins: a login on another (frontend, connection) replaces the entry and kicks the
///   old stream;
/// - removal is by (user, frontend, connection), never by user alone, so the cleanup of an older
///   stream that arrives after a re-login cannot erase the newer session (the seed's race);
/// - when management removes a frontend, all its users are dropped (the seed left them stale);
/// - after a session-node restart, each frontend's `resync` is authoritative for that frontend,
///   and conflicts between frontends go to the newer session.
///
/// Every output is sorted (users by string, frontends by name); nothing depends on dictionary order.
package struct SessionTable: Sendable {
    private var sessions: [String: SessionEntry] = [:]

    /// An empty table.
    package init() {}

    // MARK: - Queries

    /// The number of users online.
    package var count: Int { sessions.count }

    /// Every session, sorted by user (for checkers).
    package var entries: [UserSession] {
        sessions.keys.sorted().compactMap { user in sessions[user].map { UserSession(user: user, entry: $0) } }
    }

    /// Whether `user` has a session.
    /// - Returns: `true` when the user has an entry.
    package func isOnline(_ user: String) -> Bool { sessions[user] != nil }

    /// Where to push to `user`.
    /// - Returns: the user's entry, or nil when the user is offline.
    package func route(user: String) -> SessionEntry? { sessions[user] }

    // MARK: - Events

    /// `user` logged in with its push stream `connection` on `frontend`.
    /// - Returns: `.kick` of the previous stream when the user had a session on another
    ///   (frontend, connection); empty for a new user or a repeat of the same login (which keeps
    ///   the original `since`).
    package mutating func login(user: String, frontend: NodeName, connection: UInt64,
                               now: VirtualInstant) -> [SessionEffect] {
        if let old = sessions[user] {
            if old.frontend == frontend && old.connection == connection { return [] }
            sessions[user] = SessionEntry(frontend: frontend, connection: connection, since: now)
            return [.kick(user: user, frontend: old.frontend, connection: old.connection)]
        }
        sessions[user] = SessionEntry(frontend: frontend, connection: connection, since: now)
        return []
    }

    /// The push stream `connection` of `user` on `frontend` ended (logout or disconnect).
    /// - Returns: `true` when the user's current entry was exactly that stream and was removed;
    ///   `false` (no change) when the user is offline or has a different, newer session.
    @discardableResult
    package mutating func logout(user: String, frontend: NodeName, connection: UInt64) -> Bool {
        guard let entry = sessions[user], entry.frontend == frontend, entry.connection == connection else {
            return false
        }
        sessions[user] = nil
        return true
    }

    /// Management removed `frontend` (or it re-registered as a new incarnation): its streams are gone.
    /// - Returns: the users dropped, sorted; nobody is kicked (the streams died with the frontend).
    package mutating func frontendRemoved(_ frontend: NodeName) -> [String] {
        let dropped = sessions.filter { $0.value.frontend == frontend }.keys.sorted()
        for user in dropped { sessions[user] = nil }
        return dropped
    }

    /// `frontend` re-sends all of its live push streams (after a session-node restart).
    ///
    /// The list is authoritative for `frontend`: its entries not in the list are dropped without a
    /// kick (those streams are gone). Each stream is then merged, in the order (user, since,
    /// connection) so that input order does not matter: when the user already has a session on
    /// another stream, the newer session stays, by `since`, then frontend name, then connection
    /// id, and the other one is kicked.
    /// - Returns: the kicks, in merge order.
    package mutating func resync(frontend: NodeName, users streams: [ResyncStream], through: UInt64? = nil) -> [SessionEffect] {
        // A re-sync is a snapshot: a stream opened after it (a higher connection number) may have
        // logged in before the snapshot arrived, and stays.
        for user in sessions.filter({ $0.value.frontend == frontend && $0.value.connection <= (through ?? .max) }).keys.sorted() {
            sessions[user] = nil
        }
        let ordered = streams.sorted { a, b in
            (a.user, a.since, a.connection) < (b.user, b.since, b.connection)
        }
        var effects: [SessionEffect] = []
        for stream in ordered {
            let incoming = SessionEntry(frontend: frontend, connection: stream.connection, since: stream.since)
            guard let existing = sessions[stream.user] else {
                sessions[stream.user] = incoming
                continue
            }
            if existing.frontend == incoming.frontend && existing.connection == incoming.connection {
                continue  // the same stream listed twice: keep the first
            }
            if Self.isNewer(incoming, than: existing) {
                sessions[stream.user] = incoming
                effects.append(.kick(user: stream.user, frontend: existing.frontend, connection: existing.connection))
            } else {
                effects.append(.kick(user: stream.user, frontend: incoming.frontend, connection: incoming.connection))
            }
        }
        return effects
    }

    /// The total order that decides a resync conflict.
    private static func isNewer(_ a: SessionEntry, than b: SessionEntry) -> Bool {
        if a.since != b.since { return a.since > b.since }
        if a.frontend != b.frontend { return a.frontend > b.frontend }
        return a.connection > b.connection
    }
}
