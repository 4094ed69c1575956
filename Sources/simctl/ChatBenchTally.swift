/// The load generator's bookkeeping for `simctl bench chat`: what each sender sent when, what
/// each receiver got, and the counts that come out of it.
///
/// A chat line's text is `SENDER:SEQ:` padded with `x` to the message size, SENDER the room
/// index and SEQ a per-sender sequence from 0. Over TCP a member must see its room's sequence
/// in order; a number seen again is a duplicate, a number skipped is lost.
struct ChatBenchTally {
    /// Send instants (monotonic ns) per room, indexed by sequence number.
    private(set) var sentAt: [[UInt64]]
    /// The next sequence number each receiver expects, `[room][member]` (member 0 is the sender).
    private var expected: [[Int]]
    /// How many receivers got each message, `[room][seq]`.
    private var receipts: [[Int32]]
    /// The oldest message of each room not yet received by every other member.
    private(set) var acknowledged: [Int]
    /// Fan-out latencies in nanoseconds, one per delivery.
    private(set) var latencies: [UInt64] = []
    /// Messages received with a sequence number already seen by that receiver.
    private(set) var duplicates = 0
    /// Messages a receiver skipped (later numbers arrived first), counted at once; messages never
    /// received are added by `finish`.
    private(set) var lost = 0
    /// Deliveries received in order.
    private(set) var deliveries = 0
    /// Lines that did not parse as a bench message.
    private(set) var malformed = 0
    let membersPerRoom: Int

    /// A tally for `rooms` rooms of `members` members, with room for `messagesPerRoom` each.
    init(rooms: Int, members: Int, messagesPerRoom: Int) {
        membersPerRoom = members
        sentAt = Array(repeating: [], count: rooms)
        for r in 0..<rooms { sentAt[r].reserveCapacity(messagesPerRoom) }
        expected = Array(repeating: Array(repeating: 0, count: members), count: rooms)
        receipts = Array(repeating: Array(repeating: 0, count: messagesPerRoom), count: rooms)
        acknowledged = Array(repeating: 0, count: rooms)
        latencies.reserveCapacity(rooms * messagesPerRoom * max(members - 1, 1))
    }

    /// The text of message `seq` of room `room`, `size` bytes long (longer if the prefix is).
    static func text(room: Int, seq: Int, size: Int) -> String {
        let prefix = "\(room):\(seq):"
        let padding = max(size - prefix.utf8.count, 0)
        if padding <= Self.padding.utf8.count { return prefix + Self.padding.prefix(padding) }
        return prefix + String(repeating: "x", count: padding)
    }

    private static let padding = String(repeating: "x", count: 256)

    /// How many messages room `room`'s sender has sent.
    func sentCount(room: Int) -> Int { sentAt[room].count }

    /// How many of room `room`'s messages are sent and not yet acknowledged.
    func inFlight(room: Int) -> Int { sentAt[room].count - acknowledged[room] }

    /// Records that room `room`'s sender sent its next message at `now`.
    mutating func recordSend(room: Int, now: UInt64) {
        sentAt[room].append(now)
    }

    /// Records a chat line that is not a bench message.
    mutating func recordMalformed() { malformed += 1 }

    /// Records that member `member` of room `room` received message `seq` of room `sourceRoom`
    /// at `now`.
    mutating func recordReceipt(room: Int, member: Int, sourceRoom: Int, seq: Int, now: UInt64) {
        guard sourceRoom == room, seq < sentAt[room].count else {
            malformed += 1
            return
        }
        let want = expected[room][member]
        if seq < want {
            duplicates += 1
            return
        }
        if seq > want { lost += seq - want }
        expected[room][member] = seq + 1
        deliveries += 1
        latencies.append(now &- sentAt[room][seq])
        receipts[room][seq] += 1
        let others = Int32(membersPerRoom - 1)
        while acknowledged[room] < sentAt[room].count, receipts[room][acknowledged[room]] >= others {
            acknowledged[room] += 1
        }
    }

    /// Counts, as lost, every sent message a receiver never got.
    mutating func finish() {
        for room in expected.indices {
            for member in expected[room].indices.dropFirst() {
                lost += max(sentAt[room].count - expected[room][member], 0)
            }
        }
    }

    /// The `quantiles` (each in 0...1) of the latencies, in milliseconds (nearest rank).
    func latencyMilliseconds(quantiles: [Double]) -> [Double] {
        guard !latencies.isEmpty else { return quantiles.map { _ in 0 } }
        let sorted = latencies.sorted()
        return quantiles.map { q in
            let rank = min(max(Int((q * Double(sorted.count)).rounded(.up)) - 1, 0), sorted.count - 1)
            return Double(sorted[rank]) / 1e6
        }
    }
}
