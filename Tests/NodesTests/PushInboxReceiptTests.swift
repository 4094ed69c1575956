import NetModel
@testable import Nodes
import Testing

@Suite("PushInbox.receive(seq:floor:generation:payload:): one frame in, what to deliver and ack out")
struct PushInboxReceiptTests {
    @Test("in order: delivered and acknowledged; the same frame again is a duplicate, acknowledged again")
    func inOrderThenDuplicate() {
        var inbox = PushInbox<String>()
        let first = inbox.receive(seq: 1, floor: 1, generation: 7, payload: "a")
        #expect(first == InboxReceipt(delivered: [InboxDelivery(seq: 1, payload: "a")], duplicate: false, ack: 1))
        #expect(inbox.generation == 7)
        #expect(inbox.receive(seq: 1, floor: 1, generation: 7, payload: "a")
                == InboxReceipt(delivered: [], duplicate: true, ack: 1))
    }

    @Test("a push ahead of a gap is held; the floor that gives up the gap releases it, in order")
    func floorReleasesHeld() {
        var inbox = PushInbox<String>()
        #expect(inbox.receive(seq: 2, floor: 1, generation: 7, payload: "b")
                == InboxReceipt(delivered: [], duplicate: false, ack: 0))
        let next = inbox.receive(seq: 3, floor: 2, generation: 7, payload: "c")
        #expect(next.delivered.map(\.payload) == ["b", "c"], "seq 1 was given up: 2 then 3 follow")
        #expect(next.ack == 3)
    }

    @Test("a new generation (a restarted outbox) starts the numbering again")
    func newGeneration() {
        var inbox = PushInbox<String>()
        _ = inbox.receive(seq: 1, floor: 1, generation: 7, payload: "a")
        _ = inbox.receive(seq: 2, floor: 1, generation: 7, payload: "b")
        let restarted = inbox.receive(seq: 1, floor: 1, generation: 9, payload: "x")
        #expect(restarted == InboxReceipt(delivered: [InboxDelivery(seq: 1, payload: "x")], duplicate: false, ack: 1))
        #expect(inbox.generation == 9)
    }

    @Test("takeIfNext takes exactly the common case: with it in front of receive, every delivery, duplicate and ack is the same")
    func fastPathAgrees() {
        var random = SeededRandom(seed: 42, stream: "inbox")
        for _ in 0..<200 {
            var plain = PushInbox<UInt64>(), fast = PushInbox<UInt64>()
            var generation: UInt64 = 1
            for step in 0..<40 {
                if random.next() % 17 == 0 { generation += 1 }
                let seq = 1 + random.next() % 6 + (fast.expected > 3 ? fast.expected - 3 : 0)
                let floor = 1 + random.next() % max(1, seq)
                let payload = UInt64(step)
                let expected = plain.receive(seq: seq, floor: floor, generation: generation, payload: payload)
                let got: InboxReceipt<UInt64>
                if fast.takeIfNext(seq: seq, floor: floor, generation: generation) {
                    got = InboxReceipt(delivered: [InboxDelivery(seq: seq, payload: payload)], duplicate: false, ack: fast.ackValue)
                } else {
                    got = fast.receive(seq: seq, floor: floor, generation: generation, payload: payload)
                }
                #expect(got == expected, "step \(step): seq \(seq) floor \(floor) generation \(generation)")
                #expect(fast.expected == plain.expected && fast.heldCount == plain.heldCount && fast.generation == plain.generation)
            }
        }
    }

    @Test("a reorder buffer emptied by a delivery or a floor gives its room back; one still holding keeps it")
    func emptiedBufferGivesRoomBack() {
        var inbox = PushInbox<String>()
        let held = [inbox.receive(seq: 3, floor: 1, generation: 1, payload: "c"),
                    inbox.receive(seq: 5, floor: 1, generation: 1, payload: "e")]
        #expect(held.allSatisfy { $0.delivered.isEmpty } && inbox.heldCount == 2 && inbox.heldRoom > 0)
        let partly = inbox.receive(seq: 1, floor: 1, generation: 1, payload: "a")
        #expect(partly.delivered.map(\.seq) == [1] && inbox.heldRoom > 0, "3 and 5 are still held")
        let drained = inbox.receive(seq: 2, floor: 1, generation: 1, payload: "b")
        #expect(drained.delivered.map(\.seq) == [2, 3] && inbox.heldCount == 1 && inbox.heldRoom > 0)
        let floored = inbox.receive(seq: 7, floor: 6, generation: 1, payload: "g")
        #expect(floored.delivered.map(\.seq) == [5] && inbox.heldSequenceNumbers == [7] && inbox.heldRoom > 0)
        let last = inbox.receive(seq: 6, floor: 6, generation: 1, payload: "f")
        #expect(last.delivered.map(\.seq) == [6, 7] && inbox.heldCount == 0 && inbox.heldRoom == 0)
        let ahead = inbox.receive(seq: 10, floor: 8, generation: 1, payload: "j")
        #expect(ahead.delivered.isEmpty && inbox.heldRoom > 0)
        let skipped = inbox.receive(seq: 11, floor: 10, generation: 1, payload: "k")
        #expect(skipped.delivered.map(\.seq) == [10, 11] && inbox.heldRoom == 0, "emptied by a floor")
    }
}

