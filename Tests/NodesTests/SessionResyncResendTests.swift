import NetModel
@testable import Nodes
import Testing

@Suite("SessionCore re-sync: every listed user still routed to the listing frontend gets its pending pushes again there")
struct SessionResyncResendTests {
    let fe1 = NodeName(.frontend, 1)
    let fe2 = NodeName(.frontend, 2)
    let chat = NodeName(.chat, 1)

    func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

    /// Per destination, the (user, seq) of each delivery among `actions`, in order.
    func deliveries(_ actions: [SessionCore.Action]) -> [NodeName: [String]] {
        var out: [NodeName: [String]] = [:]
        for case .send(.backend(_, .deliver(let delivery)), let node) in actions {
            out[node, default: []] += delivery.recipients.map { "\($0.user)#\($0.seq)" }
        }
        return out
    }

    @Test("users pushed to while offline, then listed by frontend-1 (one of them holding a newer session on frontend-2)")
    func resendsToRoutedUsersOnly() {
        var core = makeSessionCore()
        // u1..u5 get two pushes each while offline: pending, never sent.
        let users = ["u1", "u2", "u3", "u4", "u5"]
        for n: UInt64 in 1...2 {
            let key = RequestKey(origin: chat, id: RequestKey.id(incarnation: 1, counter: n))
            _ = core.call(.pushTo(users: users, pushID: 100 + n, body: .message(from: "x", text: "t"), acceptedAt: 0, request: key),
                          from: chat, link: .serving, now: at(Int64(n)))
        }
        // u4 is on frontend-2 with a session newer than frontend-1's listing of it.
        _ = core.call(.sessionLogin(user: "u4", frontend: fe2, connection: 9, since: 50_000_000), from: fe2, link: .serving, now: at(50))
        let listed = ["u3", "u1", "u4", "u2"].enumerated().map { ResyncEntry(user: $1, connection: UInt64(20 + $0), since: 10_000_000) }
        let actions = core.call(.sessionResync(frontend: fe1, entries: listed, through: 30), from: fe1, link: .serving, now: at(60))
        let sent = deliveries(actions)
        // Sorted by user, each user's pushes in seq order; u4 stays on frontend-2 (nothing re-sent there
        // by this re-sync), u5 was not listed.
        #expect(sent[fe1] == ["u1#1", "u1#2", "u2#1", "u2#2", "u3#1", "u3#2"], "\(sent)")
        #expect(sent[fe2] == nil, "\(sent)")
        #expect(core.table.route(user: "u4")?.frontend == fe2)
        #expect(core.outbox.pendingCount(user: "u1") == 2 && core.outbox.lastSent(user: "u1") == at(60))
        #expect(core.outbox.lastSent(user: "u4") == at(50) && core.outbox.lastSent(user: "u5") == nil)
    }
}
