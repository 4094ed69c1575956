/// One push handed to the application, in sequence order.
package struct InboxDelivery<Payload> {
    /// Its per-user sequence number.
    package var seq: UInt64
    /// The payload.
    package var payload: Payload

    /// A delivery.
    package init(seq: UInt64, payload: Payload) {
        self.seq = seq
        self.payload = payload
    }
}

extension InboxDelivery: Equatable where Payload: Equatable {}
extension InboxDelivery: Hashable where Payload: Hashable {}
extension InboxDelivery: Sendable where Payload: Sendable {}

/// What the client does with a received push.
package enum InboxDecision<Payload> {
    /// The push was the next expected one: hand these to the application in order (the push
    /// itself, then any held pushes that are now contiguous), then ack `ackValue`.
    case deliver([InboxDelivery<Payload>])
    /// Already delivered or already held: drop it, but ack `ackValue` again (the sender may have
    /// missed the earlier ack).
    case duplicate
    /// The push is ahead of `expected`. `held` tells whether it went into the reorder buffer;
    /// when the buffer is full it is dropped unacknowledged and the outbox sends it again later.
    case gap(expected: UInt64, held: Bool)
}

extension InboxDecision: Equatable where Payload: Equatable {}
extension InboxDecision: Hashable where Payload: Hashable {}
extension InboxDecision: Sendable where Payload: Sendable {}

/// The result of `PushInbox.skip(below:)`.
package struct InboxSkip<Payload> {
    /// Held pushes released by the skip, in order: hand them to the application.
    package var delivered: [InboxDelivery<Payload>]
    /// The sequence numbers the sender gave up on and that never arrived, in order (the client
    /// counts them as lost pushes).
    package var lost: [Range<UInt64>]

    /// A skip result.
    package init(delivered: [InboxDelivery<Payload>], lost: [Range<UInt64>]) {
        self.delivered = delivered
        self.lost = lost
    }

    /// How many sequence numbers were lost.
    package var lostCount: UInt64 { lost.reduce(0) { $0 + UInt64($1.count) } }
}

extension InboxSkip: Equatable where Payload: Equatable {}
extension InboxSkip: Hashable where Payload: Hashable {}
extension InboxSkip: Sendable where Payload: Sendable {}

/// The result of `PushInbox.receive(seq:floor:generation:payload:)`: one push frame taken in.
package struct InboxReceipt<Payload> {
    /// What to hand to the application now, in order: held pushes the frame's floor released,
    /// then the push itself and any held pushes that follow it.
    package var delivered: [InboxDelivery<Payload>]
    /// Whether the push itself was delivered or held already (the sender missed an ack).
    package var duplicate: Bool
    /// The cumulative ack to send back (`PushInbox.ackValue` after the frame).
    package var ack: UInt64

    /// A receipt.
    package init(delivered: [InboxDelivery<Payload>], duplicate: Bool, ack: UInt64) {
        self.delivered = delivered
        self.duplicate = duplicate
        self.ack = ack
    }
}

extension InboxReceipt: Equatable where Payload: Equatable {}
extension InboxReceipt: Sendable where Payload: Sendable {}

/// The receiving side of reliable push, on the client: dedupes by sequence number and delivers
/// in order.
///
/// Out-of-order handling (the choice we made): the push stream is FIFO, so a push ahead of the
/// expected number only happens around a reconnect (a new push overtaking the resend of older
/// ones) or when the sender gave up on some numbers. Such a push is **held** in a small reorder
/// buffer (`reorderCapacity`, default 64) rather than delivered, so the resent older ones can
/// still be delivered first and nothing arrives out of order. When the buffer is full the highest
/// number (the held one or the new one) is dropped unacknowledged, which is safe: it stays pending
/// in the outbox. Keeping the lowest numbers matters: a hole's push arriving at a full buffer must
/// not be the one dropped, or delivery waits a whole retransmission back-off for it. Numbers the sender gave
/// up on (expired, dropped) are learned from the `floor` carried by each push: the shell calls
/// `skip(below: floor)` before `receive`, which releases held pushes and reports the lost ranges.
///
/// The inbox survives reconnects (do not `reset()` on reconnect: the outbox resends from the last
/// ack). `reset()` is for when the outbox itself was lost and a new one numbers from 1 again.
package struct PushInbox<Payload> {
    /// The next sequence number to deliver.
    package private(set) var expected: UInt64 = 1
    /// The generation of the outbox whose numbers the inbox follows (0 before the first frame).
    package private(set) var generation: UInt64 = 0
    /// Pushes ahead of `expected`, by seq.
    private var held: [UInt64: Payload] = [:]
    /// The most pushes held at once.
    package let reorderCapacity: Int

    /// An inbox expecting seq 1.
    /// - Parameter reorderCapacity: how many pushes ahead of the expected one may be held.
    package init(reorderCapacity: Int = 64) {
        precondition(reorderCapacity >= 0, "the reorder capacity cannot be negative")
        self.reorderCapacity = reorderCapacity
    }

    /// The cumulative ack to send.
    /// - Returns: the highest seq such that it and every lower one were delivered or skipped (0
    ///   before the first).
    package var ackValue: UInt64 { expected - 1 }

    /// How many pushes are held in the reorder buffer.
    package var heldCount: Int { held.count }
    /// The room the reorder buffer keeps (0 once it is emptied: see `drainContiguous`).
    package var heldRoom: Int { held.capacity }

    /// The held sequence numbers, sorted (for tests and traces).
    package var heldSequenceNumbers: [UInt64] { held.keys.sorted() }

    /// A push frame arrived: the one way a receiver (a client, a chat door's member) takes pushes
    /// in. A frame of a new `generation` (the session node restarted and its outbox numbers from 1
    /// again) resets the inbox first; the frame's `floor` then skips what the sender gave up on
    /// (`skip(below:)`), and the push itself is received (`receive(seq:payload:)`).
    /// - Returns: the pushes to deliver in order (released by the floor, then the push and what
    ///   follows it), whether the push was a duplicate, and the cumulative ack to send.
    package mutating func receive(seq: UInt64, floor: UInt64, generation: UInt64,
                                 payload: Payload) -> InboxReceipt<Payload> {
        if generation != self.generation {
            reset()
            self.generation = generation
        }
        // The common case — the next number, nothing held, nothing skipped — without the
        // dictionary lookups and intermediate arrays of the general path.
        if seq == expected, floor <= expected, held.isEmpty {
            expected += 1
            return InboxReceipt(delivered: [InboxDelivery(seq: seq, payload: payload)], duplicate: false, ack: ackValue)
        }
        var delivered = skip(below: floor).delivered
        var duplicate = false
        switch receive(seq: seq, payload: payload) {
        case .deliver(let items): delivered += items
        case .duplicate: duplicate = true
        case .gap: break
        }
        return InboxReceipt(delivered: delivered, duplicate: duplicate, ack: ackValue)
    }

    /// The common case of `receive(seq:floor:generation:payload:)` without building a receipt:
    /// when `seq` is the next number of the current generation, nothing is held and `floor` skips
    /// nothing, the push is taken (the caller delivers it; the ack is then `ackValue`) and the
    /// result is true. Otherwise nothing changes and the result is false: call `receive`.
    package mutating func takeIfNext(seq: UInt64, floor: UInt64, generation: UInt64) -> Bool {
        guard generation == self.generation, seq == expected, floor <= expected, held.isEmpty else { return false }
        expected += 1
        return true
    }

    /// A push with sequence number `seq` arrived.
    /// - Returns: `.deliver` when `seq == expected` (with any held pushes that follow it),
    ///   `.duplicate` when `seq < expected` or `seq` is already held, `.gap` when `seq > expected`.
    package mutating func receive(seq: UInt64, payload: Payload) -> InboxDecision<Payload> {
        if seq < expected || held[seq] != nil { return .duplicate }
        if seq > expected {
            if held.count >= reorderCapacity {
                // Full: keep the numbers nearest `expected` (they are the ones that let delivery
                // move on); the highest held one goes, unacknowledged, and is sent again later.
                guard let highest = held.keys.max(), seq < highest else { return .gap(expected: expected, held: false) }
                held[highest] = nil
            }
            held[seq] = payload
            return .gap(expected: expected, held: true)
        }
        var delivered = [InboxDelivery(seq: seq, payload: payload)]
        expected += 1
        drainContiguous(into: &delivered)
        return .deliver(delivered)
    }

    /// The sender says it will never send a sequence number below `floor` again (they were
    /// acknowledged or given up). Moves `expected` up to `floor` when it is lower.
    /// - Returns: the held pushes released (below `floor`, then any contiguous from `floor`), in
    ///   order, and the never-received numbers below `floor` as lost ranges; empty when `floor`
    ///   does not exceed `expected`.
    package mutating func skip(below floor: UInt64) -> InboxSkip<Payload> {
        guard floor > expected else { return InboxSkip(delivered: [], lost: []) }
        var delivered: [InboxDelivery<Payload>] = []
        var lost: [Range<UInt64>] = []
        var cursor = expected
        for seq in held.keys.filter({ $0 < floor }).sorted() {
            if seq > cursor { lost.append(cursor..<seq) }
            if let payload = held.removeValue(forKey: seq) {
                delivered.append(InboxDelivery(seq: seq, payload: payload))
            }
            cursor = seq + 1
        }
        if floor > cursor { lost.append(cursor..<floor) }
        expected = floor
        drainContiguous(into: &delivered)
        return InboxSkip(delivered: delivered, lost: lost)
    }

    /// Forgets everything: expects seq 1 again. Only for a new outbox (the old one was lost), never
    /// on an ordinary reconnect.
    package mutating func reset() {
        expected = 1
        held = [:]
    }

    /// Delivers the held pushes that follow `expected`. A buffer left empty gives its storage
    /// back: every client keeps an inbox for the whole run, and one that once held a push out of
    /// order kept a dictionary's room for the rest of it (77 bytes a client at 10k).
    private mutating func drainContiguous(into delivered: inout [InboxDelivery<Payload>]) {
        while let next = held.removeValue(forKey: expected) {
            delivered.append(InboxDelivery(seq: expected, payload: next))
            expected += 1
        }
        if held.isEmpty, held.capacity > 0 { held = [:] }
    }
}

extension PushInbox: Sendable where Payload: Sendable {}
