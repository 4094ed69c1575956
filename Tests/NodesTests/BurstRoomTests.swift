import NetModel
@testable import Nodes
import Testing

/// The room of a burst is given back (issue 13): in-flight dictionaries and recycled action
/// lists do not keep, for the rest of the run, the room a partition's thousands of held requests
/// took.
@Suite("burst room: in-flight dictionaries and recycled action lists give a burst's room back")
struct BurstRoomTests {
    @Test("a large dictionary down to an eighth of its room moves into a smaller one, with the same entries")
    func dictionaryGivesBackRoom() {
        var inFlight: [UInt64: String] = [:]
        for k: UInt64 in 0..<4_000 { inFlight[k] = "call \(k)" }
        let burstRoom = inFlight.capacity
        // Down to one entry more than an eighth of the room: kept as it is.
        let eighth = UInt64(burstRoom / 8)
        for k: UInt64 in 0..<(4_000 - eighth - 1) { inFlight[k] = nil }
        inFlight.giveBackBurstRoom()
        #expect(inFlight.capacity == burstRoom, "more than an eighth in use: kept as it is")
        // An eighth: moved into a dictionary with room for about twice the entries.
        inFlight[4_000 - eighth - 1] = nil
        inFlight.giveBackBurstRoom()
        #expect(inFlight.capacity < burstRoom / 2, "room \(inFlight.capacity) for \(inFlight.count)")
        #expect(inFlight.count == Int(eighth) && ((4_000 - eighth)..<4_000).allSatisfy { inFlight[$0] == "call \($0)" })
        #expect(inFlight[10] == nil)
        // A small dictionary keeps its room, however empty.
        var few: [UInt64: Int] = [:]
        for k: UInt64 in 0..<100 { few[k] = 1 }
        let room = few.capacity
        for k: UInt64 in 0..<99 { few[k] = nil }
        few.giveBackBurstRoom()
        #expect(few.capacity == room && few[99] == 1)
    }

    @Test("a recycled action list keeps its room up to 64 actions; a burst's larger list is let go")
    func actionListLetsABurstGo() {
        let spare = ActionSpare<Int>()
        var list = ActionList(spare: spare)
        list.begin()
        for n in 0..<10 { list.append(n) }
        list.recycle(list.end())
        #expect(spare.storage.isEmpty && spare.storage.capacity >= 10)
        list.begin()
        for n in 0..<5_000 { list.append(n) }
        let burst = list.end()
        #expect(burst.count == 5_000)
        list.recycle(burst)
        #expect(spare.storage.capacity <= ActionList<Int>.keptRoom, "room \(spare.storage.capacity) kept after a burst")
        list.begin()
        list.append(7)
        #expect(list.end() == [7])
    }
}

/// Per-client tables kept for the whole run grow by a quarter, not by doubling (issue 13).
@Suite("gentle growth: an executor's windows, a frontend's verified tokens")
struct GentleGrowthTests {
    @Test("an executor's windows grow by a quarter of their number, each origin keeps its own")
    func windowsGrowGently() {
        var window = RequestWindow<String>(capacity: 4)
        for client in 1...2_000 {
            let key = RequestKey(origin: NodeName(.client, client), id: RequestKey.id(incarnation: 1, counter: 1))
            guard case .execute = window.begin(key) else {
                Issue.record("client \(client)'s first request not executed")
                return
            }
            window.finish(key, answer: "c\(client)")
            #expect(window.originRoom <= client + client / 4 + 4, "room \(window.originRoom) for \(client)")
        }
        #expect(window.originCount == 2_000)
        let key = RequestKey(origin: NodeName(.client, 1_234), id: RequestKey.id(incarnation: 1, counter: 1))
        #expect(window.answer(for: key) == "c1234")
    }

    @Test("a frontend's verified tokens grow by a quarter, never past the limit")
    func tokenCacheGrowsGently() {
        let claims = TokenClaims(sub: "alice", iat: 1, exp: 100)
        var cache = VerifiedTokenCache(limit: 1_000)
        for n in 1...1_000 {
            cache.remember("token-\(n)", claims)
            #expect(cache.room <= min(1_000, n + n / 4 + 16), "room \(cache.room) for \(n)")
        }
        #expect(cache.count == 1_000 && cache.claims(for: "token-777") == claims)
    }
}
