import NetModel
import Nodes
import Testing
@testable import ClusterSim

/// What a run over TCP waits for before it is judged (`PushesInFlight`): every accepted push
/// received or expired, whichever order the trace shows them in.
@Suite("PushesInFlight: accepted pushes until they land")
struct PushesInFlightTests {
    private func event(_ label: String, push: UInt64, user: String) -> TraceEvent {
        TraceEvent(seq: 0, at: .zero, kind: .node, node: NodeName(.session, 1), peer: nil, messageID: 0, label: label,
                   fields: TraceDetail(fields: [("push", .number(push)), ("user", .text(user))]))
    }

    @Test("an accepted push is in flight until received or expired; a reception seen first counts")
    func landing() {
        let tracker = PushesInFlight()
        tracker.see(event(NodeLog.pushAccepted, push: 1, user: "a"))
        tracker.see(event(NodeLog.pushAccepted, push: 1, user: "b"))
        tracker.see(event(NodeLog.pushAccepted, push: 2, user: "a"))
        #expect(tracker.count == 3)
        #expect(!tracker.waitUntilLanded(within: 0))
        tracker.see(event(NodeLog.pushReceived, push: 1, user: "a"))
        tracker.see(event(NodeLog.pushExpired, push: 2, user: "a"))
        #expect(tracker.count == 1)
        // The reception of another push arrives before its acceptance (two threads' events).
        tracker.see(event(NodeLog.pushReceived, push: 3, user: "c"))
        tracker.see(event(NodeLog.pushAccepted, push: 3, user: "c"))
        #expect(tracker.count == 1)
        tracker.see(event(NodeLog.pushReceived, push: 1, user: "b"))
        #expect(tracker.count == 0)
        #expect(tracker.waitUntilLanded(within: 0))
    }
}
