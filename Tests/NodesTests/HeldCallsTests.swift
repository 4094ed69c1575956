import NetModel
@testable import Nodes
import Testing

@Suite("HeldCalls: calls held while registering, copies held once")
struct HeldCallsTests {
    let client = NodeName(.client, 3), frontend = NodeName(.frontend, 1), chat = NodeName(.chat, 1)

    func push(_ id: UInt64) -> BackendCall {
        .pushTo(users: ["u"], pushID: id, body: .message(from: "v", text: "hi"), acceptedAt: 0,
                request: RequestKey(origin: client, id: id))
    }

    @Test("a copy of a held call (same request key, from any source) is absorbed; the limit counts distinct calls")
    func copiesHeldOnce() {
        var held = HeldCalls(limit: 3)
        let outcomes = [held.hold(push(1), from: frontend), held.hold(push(1), from: frontend),
                        held.hold(push(1), from: NodeName(.frontend, 2))]
        #expect(outcomes == [true, true, true], "a copy is absorbed, not dropped")
        #expect(held.count == 1, "a copy took a place of its own")
        let batches = [held.hold(.batch([push(2), push(3)]), from: chat), held.hold(.batch([push(2), push(3)]), from: chat)]
        #expect(batches == [true, true])
        #expect(held.count == 2)
        let fourth = held.hold(push(4), from: frontend), fifth = held.hold(push(5), from: frontend)
        #expect(fourth && !fifth, "the limit counts distinct calls")
        let taken = held.takeAll().map(\.call)
        #expect(taken == [push(1), .batch([push(2), push(3)]), push(4)])
        let again = held.hold(push(1), from: frontend)
        #expect(again && held.count == 1, "after takeAll nothing is held: a later copy is held again")
    }

    @Test("calls without a request key are held every time (logins, re-syncs: idempotent on their own)")
    func unkeyedCalls() {
        var held = HeldCalls()
        let login = BackendCall.sessionLogin(user: "u", frontend: frontend, connection: 7, since: 0)
        let first = held.hold(login, from: frontend), second = held.hold(login, from: frontend)
        #expect(first && second && held.count == 2)
    }
}
