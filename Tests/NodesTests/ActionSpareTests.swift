import NetModel
@testable import Nodes
import Testing

private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

/// A plan for `user` of two users, with one frontend, no gateway and no workload loops.
private func makePlan(_ user: String) -> ClientPlan {
    ClientPlan(user: user, users: ["u1", "u2"], frontends: [NodeName(.frontend, 1)], gateway: nil, requestRate: 0,
               pushRate: 0, chatRoom: nil, createsRoom: false, chatRate: 0, duplicateLoginAfter: nil)
}

/// The address of a list's storage (nil when it has none).
private func storage(_ list: [ClientCore.Action]) -> UnsafeRawPointer? {
    list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
}

@Suite("ActionSpare: one recycled action list shared by the clients of a thread")
struct ActionSpareTests {
    /// What `start` returns for `user`'s core with a spare of its own.
    private func ownStart(_ user: String, client: Int) -> [ClientCore.Action] {
        var core = makeClientCore(plan: makePlan(user), name: NodeName(.client, client))
        return core.start(now: at(0))
    }

    @Test("a list one client recycled carries the next client's actions, and only those")
    func sharedStorageIsReused() {
        let spare = ActionSpare<ClientCore.Action>()
        var first = makeClientCore(plan: makePlan("u1"), name: NodeName(.client, 1), spare: spare)
        var second = makeClientCore(plan: makePlan("u2"), name: NodeName(.client, 2), spare: spare)
        let firstActions = first.start(now: at(0))
        #expect(firstActions == ownStart("u1", client: 1))
        let firstStorage = storage(firstActions)
        first.recycle(consume firstActions)   // as a shell does: the list's only reference
        let secondActions = second.start(now: at(0))
        #expect(secondActions == ownStart("u2", client: 2))
        #expect(storage(secondActions) == firstStorage, "the second client reuses the first one's storage")
        second.recycle(consume secondActions)
    }

    @Test("an event that starts while another's list is out gets a fresh list; both stay whole")
    func nestedEventGetsAFreshList() {
        let spare = ActionSpare<ClientCore.Action>()
        var first = makeClientCore(plan: makePlan("u1"), name: NodeName(.client, 1), spare: spare)
        var second = makeClientCore(plan: makePlan("u2"), name: NodeName(.client, 2), spare: spare)
        // Warm the spare so that both events could take it.
        var warm = makeClientCore(plan: makePlan("u1"), name: NodeName(.client, 3), spare: spare)
        warm.recycle(warm.start(now: at(0)))
        let outer = first.start(now: at(0))
        let nested = second.start(now: at(0))
        #expect(storage(outer) != storage(nested))
        #expect(outer == ownStart("u1", client: 1))
        #expect(nested == ownStart("u2", client: 2))
        second.recycle(nested)
        #expect(outer == ownStart("u1", client: 1), "recycling the nested list leaves the outer one alone")
        first.recycle(outer)
    }
}
