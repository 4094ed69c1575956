import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The runner's client plans share the fields every client has alike (issue 13): one box of
/// them for the run, a small box of its own per client, the same values as a plan of its own.
@Suite("client plans: shared fields")
struct ClientPlanSharingTests {
    @Test("every plan of a run shares the first one's shared fields and has the values a plan of its own would")
    func plansShareFields() throws {
        let e = try Experiment.parse(#"""
            {"name": "plans", "duration": "20s", "cluster": {"frontends": 2, "gateway": true, "chat": true},
             "workload": {"clients": 40, "requestRate": "2/s", "pushRate": "1/s", "duplicateLogins": 0.2,
                          "chat": {"rooms": 2, "membersPerRoom": 5, "messageRate": "1/s"},
                          "attacks": {"clients": 3, "rate": "2/s"}}}
            """#)
        var rng = SeededRandom(seed: 7, stream: "workload")
        let starts = ClusterBlueprint.planClients(e, rng: &rng)
        #expect(starts.count == 40)
        let users = (1...40).map { "user-\($0)" }
        let frontends = [NodeName(.frontend, 1), NodeName(.frontend, 2)]
        for (i, start) in starts.enumerated() {
            let plan = start.plan
            #expect(plan.sharesFields(with: starts[0].plan), "client \(i + 1)")
            var own = ClientPlan(user: users[i], users: users, frontends: frontends, gateway: NodeName(.gateway, 1),
                                 requestRate: 2, pushRate: 1, chatRoom: plan.chatRoom, createsRoom: plan.createsRoom,
                                 chatRate: plan.chatRoom == nil ? 0 : 1, duplicateLoginAfter: plan.duplicateLoginAfter)
            own.loadEndsAt = 20_000_000_000
            own.attackRate = i >= 37 ? 2 : 0
            #expect(plan.user == own.user && plan.users == own.users && plan.userIndex == own.userIndex && plan.userIndex == i)
            #expect(plan.frontends == own.frontends && plan.gateway == own.gateway && plan.requestRate == own.requestRate)
            #expect(plan.pushRate == own.pushRate && plan.chatRoom == own.chatRoom && plan.createsRoom == own.createsRoom)
            #expect(plan.chatRate == own.chatRate && plan.attackRate == own.attackRate && plan.loadEndsAt == own.loadEndsAt)
            #expect(plan.chatRoom == (i < 10 ? "room-\(i / 5 + 1)" : nil) && plan.createsRoom == (i < 10 && i % 5 == 0))
        }
        #expect(starts.contains { $0.plan.duplicateLoginAfter != nil })
        // A setter of a shared field gives that plan boxes of its own; the others keep theirs.
        var changed = starts[5].plan
        changed.pushRate = 9
        #expect(!changed.sharesFields(with: starts[0].plan) && starts[5].plan.pushRate == 1 && starts[6].plan.pushRate == 1)
        #expect(changed.user == "user-6" && changed.pushRate == 9)
    }
}
