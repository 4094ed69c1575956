@testable import ClusterSim
import NetModel
import Testing

@Suite("Trace recorder: batches folded on a second thread give the events and hash of one thread")
struct TraceRecorderTests {
    /// Events of several kinds, with text and structured details, across several batches.
    static func record(_ count: Int, into recorder: TraceRecorder) {
        for i in 0..<count {
            recorder.now = Int64(i) * 1_000
            switch i % 4 {
            case 0:
                recorder.record(.send, node: NodeName(.client, i % 7 + 1), peer: .session, messageID: UInt64(i),
                                label: "Ping", detail: "")
            case 1:
                recorder.record(.node, node: .session, peer: nil, messageID: 0, label: i % 8 == 1 ? "push-accepted" : i % 16 == 5 ? "registered" : "chat-line",
                                fields: ["push": .number(UInt64(i)), "user": .text("u \(i)")])
            case 2:
                recorder.record(.drop, node: .session, peer: NodeName(.frontend, 2), messageID: UInt64(i), label: "Push",
                                detail: "loss")
            default:
                recorder.record(.timer, node: NodeName(.frontend, 1), peer: nil, messageID: UInt64(i), label: "timer", detail: "")
            }
        }
    }

    /// The hash of `events` folded one by one on this thread.
    static func sequentialHash(_ events: [TraceEvent]) -> String {
        var hash = FNV1a64()
        for e in events {
            TraceEvent.fold(into: &hash, at: e.at.nanoseconds, kind: e.kind, node: e.node, peer: e.peer,
                            messageID: e.messageID, label: e.label, detail: e.fields)
        }
        return hash.hex
    }

    @Test("reading mid-run and at the end sees every event so far, in order, with the sequential hash")
    func readsAreComplete() {
        let n = TraceRecorder.batchSize * 2 + 123
        let recorder = TraceRecorder()
        Self.record(n / 2, into: recorder)
        let half = recorder.events
        #expect(half.count == n / 2)
        #expect(recorder.hash == Self.sequentialHash(half))
        Self.record(n - n / 2, into: recorder)
        let all = recorder.events
        #expect(all.count == n && recorder.count == n)
        #expect(all.map(\.seq) == Array(1...n))
        #expect(Array(all.prefix(n / 2)) == half)
        #expect(recorder.hash == Self.sequentialHash(all))
    }

    @Test("the index built while recording equals one built from the finished trace")
    func indexMatches() {
        let recorder = TraceRecorder()
        Self.record(TraceRecorder.batchSize + 500, into: recorder)
        let (events, index) = recorder.indexedEvents
        let rebuilt = NodeEventIndex(events)
        #expect(index.positions == rebuilt.positions)
        #expect(index.kindPositions == rebuilt.kindPositions)
        #expect(index.sends == rebuilt.sends && index.timers == rebuilt.timers && index.deliveries == rebuilt.deliveries)
        #expect(index.positions["push-accepted"]?.isEmpty == false)
    }

    @Test("without kept events the hash is still the sequential one")
    func hashOnly() {
        let kept = TraceRecorder(), hashOnly = TraceRecorder(retainsEvents: false)
        Self.record(5_000, into: kept)
        Self.record(5_000, into: hashOnly)
        #expect(hashOnly.retainedEvents.isEmpty)
        #expect(hashOnly.hash == kept.hash)
        #expect(hashOnly.count == 5_000)
    }

    @Test("keeping what the checks read: the rare events, the counts of all, the same hash")
    func checksRetention() {
        let kept = TraceRecorder(), lean = TraceRecorder(retention: .checks)
        Self.record(TraceRecorder.batchSize + 500, into: kept)
        Self.record(TraceRecorder.batchSize + 500, into: lean)
        #expect(lean.hash == kept.hash && lean.count == kept.count)
        let (all, full) = kept.indexedEvents
        let (some, index) = lean.indexedEvents
        #expect(some == all.filter(RunRecord.retainedForChecks))
        #expect(index.total == full.total && index.kindCounts == full.kindCounts)
        for label in full.positions.keys { #expect(index.count(label: label) == full.count(label: label), "\(label)") }
    }

    @Test("batches are given back and filled again: a long trace allocates a bounded number of them, with the sequential hash")
    func batchesAreRecycled() {
        let recorder = TraceRecorder()
        let n = TraceRecorder.batchSize * (2 * TraceRecorder.batchesInFlight + 10) + 7
        Self.record(n, into: recorder)
        let all = recorder.events
        #expect(all.count == n && all.map(\.seq) == Array(1...n))
        #expect(recorder.hash == Self.sequentialHash(all))
        #expect(recorder.batchesMade <= TraceRecorder.batchesInFlight + 2)
    }

    @Test("Parallel.map returns the sequential map's results in order")
    func parallelMap() {
        let squares = Parallel.map(0..<257) { $0 * $0 }
        #expect(squares == (0..<257).map { $0 * $0 })
        #expect(Parallel.map(3..<4) { $0 } == [3])
        #expect(Parallel.map(0..<0) { $0 }.isEmpty)
    }
}
