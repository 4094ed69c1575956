import NetModel
import Nodes
import Testing

private let fe1 = NodeName(.frontend, 1)
private let fe2 = NodeName(.frontend, 2)
private let fe3 = NodeName(.frontend, 3)

/// Milliseconds since the start of the run.
private func ms(_ value: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: value * 1_000_000) }

/// A table with `logins` applied in order, the n-th at `ms(n)`.
private func makeTable(_ logins: [(user: String, frontend: NodeName, connection: UInt64)] = []) -> SessionTable {
    var table = SessionTable()
    for (n, login) in logins.enumerated() {
        _ = table.login(user: login.user, frontend: login.frontend, connection: login.connection, now: ms(Int64(n)))
    }
    return table
}

@Suite("SessionTable: login and logout")
struct SessionTableLoginTests {
    @Test("a first login records the stream and kicks nobody")
    func firstLogin() {
        var table = makeTable()
        #expect(table.login(user: "alice", frontend: fe1, connection: 7, now: ms(5)) == [])
        #expect(table.route(user: "alice") == SessionEntry(frontend: fe1, connection: 7, since: ms(5)))
        #expect(table.isOnline("alice"))
        #expect(!table.isOnline("bob"))
        #expect(table.count == 1)
    }

    @Test("the last login wins and the old stream is kicked",
          arguments: [(fe2, UInt64(9)), (fe1, UInt64(8))])
    func lastLoginWins(frontend: NodeName, connection: UInt64) {
        var table = makeTable([("alice", fe1, 7)])
        #expect(table.login(user: "alice", frontend: frontend, connection: connection, now: ms(50))
            == [.kick(user: "alice", frontend: fe1, connection: 7)])
        #expect(table.route(user: "alice") == SessionEntry(frontend: frontend, connection: connection, since: ms(50)))
        #expect(table.count == 1, "at most one session per user")
    }

    @Test("repeating the same login is idempotent and keeps the original since")
    func sameLoginIdempotent() {
        var table = makeTable([("alice", fe1, 7)])
        #expect(table.login(user: "alice", frontend: fe1, connection: 7, now: ms(99)) == [])
        #expect(table.route(user: "alice")?.since == ms(0))
    }

    @Test("logout of the current stream removes the session")
    func logoutCurrent() {
        var table = makeTable([("alice", fe1, 7), ("bob", fe1, 8)])
        let removed = table.logout(user: "alice", frontend: fe1, connection: 7)
        #expect(removed)
        #expect(!table.isOnline("alice"))
        #expect(table.isOnline("bob"))
        let again = table.logout(user: "alice", frontend: fe1, connection: 7)
        #expect(!again, "a second logout finds nothing")
    }

    /// The seed removed sessions by user id alone, so this exact sequence erased alice's new
    /// session: this test fails under the seed's behaviour.
    @Test("a stale logout of the old stream after a re-login does not remove the new session")
    func staleLogoutAfterRelogin() {
        var table = makeTable([("alice", fe1, 7)])
        #expect(table.login(user: "alice", frontend: fe2, connection: 3, now: ms(10))
            == [.kick(user: "alice", frontend: fe1, connection: 7)])
        // fe1 closes the kicked stream and its cleanup arrives after the re-login.
        let staleRemoved = table.logout(user: "alice", frontend: fe1, connection: 7)
        #expect(!staleRemoved, "the cleanup of the old stream must not remove the new session")
        #expect(table.route(user: "alice") == SessionEntry(frontend: fe2, connection: 3, since: ms(10)))
        #expect(table.isOnline("alice"))
    }

    @Test("a logout must match frontend and connection exactly",
          arguments: [(fe1, UInt64(8)), (fe2, UInt64(7))])
    func logoutMustMatch(frontend: NodeName, connection: UInt64) {
        var table = makeTable([("alice", fe1, 7)])
        let removed = table.logout(user: "alice", frontend: frontend, connection: connection)
        #expect(!removed)
        #expect(table.route(user: "alice")?.connection == 7)
    }
}

@Suite("SessionTable: frontend removal and resync")
struct SessionTableMembershipTests {
    @Test("frontendRemoved drops exactly that frontend's users, sorted")
    func frontendRemoved() {
        var table = makeTable([("carol", fe1, 1), ("alice", fe1, 2), ("bob", fe2, 3), ("dave", fe3, 4)])
        #expect(table.frontendRemoved(fe1) == ["alice", "carol"])
        #expect(table.entries.map(\.user) == ["bob", "dave"])
        #expect(table.frontendRemoved(fe1) == [])
    }

    @Test("resync into an empty table (session node restarted) rebuilds the map")
    func resyncRebuilds() {
        var table = makeTable()
        #expect(table.resync(frontend: fe2, users: [
            ResyncStream(user: "bob", connection: 5, since: ms(20)),
            ResyncStream(user: "alice", connection: 4, since: ms(10)),
        ]) == [])
        #expect(table.resync(frontend: fe1, users: [ResyncStream(user: "carol", connection: 1, since: ms(30))]) == [])
        #expect(table.entries == [
            UserSession(user: "alice", entry: SessionEntry(frontend: fe2, connection: 4, since: ms(10))),
            UserSession(user: "bob", entry: SessionEntry(frontend: fe2, connection: 5, since: ms(20))),
            UserSession(user: "carol", entry: SessionEntry(frontend: fe1, connection: 1, since: ms(30))),
        ])
    }

    @Test("resync conflict: the newer session stays and the older stream is kicked, in either arrival order")
    func resyncConflict() {
        let older = ResyncStream(user: "alice", connection: 4, since: ms(10))
        let newer = ResyncStream(user: "alice", connection: 9, since: ms(20))

        var a = makeTable()
        #expect(a.resync(frontend: fe1, users: [older]) == [])
        #expect(a.resync(frontend: fe2, users: [newer]) == [.kick(user: "alice", frontend: fe1, connection: 4)])

        var b = makeTable()
        #expect(b.resync(frontend: fe2, users: [newer]) == [])
        #expect(b.resync(frontend: fe1, users: [older]) == [.kick(user: "alice", frontend: fe1, connection: 4)])

        let expected = [UserSession(user: "alice", entry: SessionEntry(frontend: fe2, connection: 9, since: ms(20)))]
        #expect(a.entries == expected)
        #expect(b.entries == expected)
    }

    @Test("resync conflict with equal since: the larger frontend name wins, whatever the order")
    func resyncTie() {
        let onFe1 = ResyncStream(user: "alice", connection: 4, since: ms(10))
        let onFe3 = ResyncStream(user: "alice", connection: 2, since: ms(10))
        var a = makeTable()
        _ = a.resync(frontend: fe1, users: [onFe1])
        #expect(a.resync(frontend: fe3, users: [onFe3]) == [.kick(user: "alice", frontend: fe1, connection: 4)])
        var b = makeTable()
        _ = b.resync(frontend: fe3, users: [onFe3])
        #expect(b.resync(frontend: fe1, users: [onFe1]) == [.kick(user: "alice", frontend: fe1, connection: 4)])
        #expect(a.entries == b.entries)
        #expect(a.route(user: "alice")?.frontend == fe3)
    }

    @Test("resync is authoritative for its frontend: its entries missing from the list are dropped unkicked")
    func resyncAuthoritative() {
        var table = makeTable([("alice", fe1, 1), ("bob", fe1, 2), ("carol", fe2, 3)])
        #expect(table.resync(frontend: fe1, users: [ResyncStream(user: "bob", connection: 2, since: ms(1))]) == [])
        #expect(table.entries.map(\.user) == ["bob", "carol"])
        #expect(table.route(user: "carol")?.frontend == fe2, "other frontends are untouched")
    }

    @Test("a user listed twice by one frontend keeps the newer stream and kicks the other; input order does not matter")
    func resyncDuplicateUserOneFrontend() {
        let streams = [
            ResyncStream(user: "alice", connection: 11, since: ms(30)),
            ResyncStream(user: "alice", connection: 10, since: ms(5)),
            ResyncStream(user: "bob", connection: 12, since: ms(1)),
        ]
        var forward = makeTable()
        var backward = makeTable()
        let kicks = forward.resync(frontend: fe1, users: streams)
        #expect(kicks == [.kick(user: "alice", frontend: fe1, connection: 10)])
        #expect(backward.resync(frontend: fe1, users: streams.reversed()) == kicks)
        #expect(forward.entries == backward.entries)
        #expect(forward.route(user: "alice")?.connection == 11)
    }
}

@Suite("SessionTable: reading the entries")
struct SessionTableRoutingTests {
    @Test("entries are sorted by user")
    func entriesSorted() {
        let table = makeTable([("mallory", fe1, 1), ("alice", fe2, 2), ("bob", fe1, 3)])
        #expect(table.entries.map(\.user) == ["alice", "bob", "mallory"])
        #expect(table.count == 3)
    }
}
