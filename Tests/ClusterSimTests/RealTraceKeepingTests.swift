@testable import ClusterSim
import NetModel
import Synchronization
import Testing

/// What a real runtime's trace keeps: a node process's (`.nothing`) records nothing but what its
/// tap sees; the others keep the hash (and the events).
@Suite("RealTrace keeping: .nothing keeps no hash nor count, its tap still sees every event in order")
struct RealTraceKeepingTests {
    static func record(_ trace: RealTrace) {
        trace.record(.node, node: NodeName(.session, 1), peer: nil, messageID: 0, label: "push-accepted", fields: ["seq": .number(1)])
        trace.record(.node, node: NodeName(.session, 1), peer: nil, messageID: 0, label: "push-accepted", fields: ["seq": .number(2)])
    }

    @Test("nothing kept: count 0 and the empty trace's hash; a tap sees both events, numbered 1 and 2")
    func nothingKept() {
        let empty = RealTrace(keeping: .hash).hash
        let seen = Mutex<[String]>([])
        let tapped = RealTrace(keeping: .nothing) { event in seen.withLock { $0.append("\(event.seq) \(event.detail)") } }
        Self.record(tapped)
        #expect(tapped.count == 0)
        #expect(tapped.hash == empty)
        #expect(seen.withLock { $0 } == ["1 seq=1", "2 seq=2"])
        let silent = RealTrace(keeping: .nothing)
        Self.record(silent)
        #expect(silent.count == 0)
    }

    @Test("the hash kept: the same hash as a trace that keeps the events too")
    func hashKept() {
        let hashed = RealTrace(keeping: .hash), full = RealTrace(keeping: .events)
        Self.record(hashed)
        Self.record(full)
        #expect(hashed.count == 2)
        #expect(full.events.count == 2)
        #expect(hashed.hash != RealTrace(keeping: .hash).hash)
    }
}
