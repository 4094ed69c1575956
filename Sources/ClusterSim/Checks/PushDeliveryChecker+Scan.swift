import NetModel
import Nodes

extension PushDeliveryChecker {
    /// The trace pass of `push-delivery`: the fate of every push to every user (accepted, expired,
    /// who received it) and the out-of-order receptions, in trace order. The end state (crashes,
    /// retired and connected clients) is read by ``PushDeliveryChecker/verdict(_:run:)``.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.pushAccepted, NodeLog.pushReceived, NodeLog.pushExpired] }

        /// User name → number, in order of appearance.
        private var users: [String: Int] = [:]
        /// User number → name.
        private(set) var userNames: [String] = []
        private var slots: [PushKey: UInt32] = [:]
        /// Every push to a user seen, by slot.
        private(set) var fates: [PushFate] = []
        /// Slots in order of first acceptance.
        private(set) var accepted: [UInt32] = []
        /// Slots in order of first reception.
        private(set) var receivedOrder: [UInt32] = []
        /// The second and later receptions of a push, by slot: (client, trace position).
        private var laterReceipts: [Int: [(client: NodeName, seq: Int)]] = [:]
        /// Per stream, the highest `seq` received and the trace position of its reception.
        private var lastSeq: [StreamKey: (seq: UInt64, event: Int, at: VirtualInstant)] = [:]
        /// The first out-of-order reception as a counterexample.
        private(set) var firstOutOfOrder: Counterexample?
        /// Failures found while scanning (out-of-order receptions), in trace order.
        private(set) var failures: [String] = []
        /// How many receptions came out of order.
        private(set) var outOfOrder = 0

        mutating func observe(_ e: NodeEntry) {
            guard let push = e.number("push"), let user = e["user"] else { return }
            let userID: Int
            if let known = users[user] { userID = known } else {
                userID = userNames.count
                users[user] = userID
                userNames.append(user)
            }
            let key = PushKey(push: push, user: userID)
            let slot: Int
            if let known = slots[key] { slot = Int(known) } else {
                slot = fates.count
                slots[key] = UInt32(slot)
                fates.append(PushFate(key: key))
            }
            switch e.label {
            case NodeLog.pushAccepted:
                if fates[slot].acceptedAt == nil {
                    fates[slot].acceptedAt = e.at
                    fates[slot].acceptedSeq = e.event.seq
                    accepted.append(UInt32(slot))
                }
            case NodeLog.pushExpired:
                fates[slot].expired = true
            default:
                guard let client = e.node else { return }
                if fates[slot].receptions == 0 {
                    fates[slot].firstReceivedAt = e.at
                    fates[slot].firstReceiver = client
                    fates[slot].firstReceiptSeq = e.event.seq
                    receivedOrder.append(UInt32(slot))
                } else {
                    laterReceipts[slot, default: []].append((client, e.event.seq))
                }
                fates[slot].receptions += 1
                if let seq = e.number("seq") {
                    let stream = StreamKey(client: client, generation: e.number("gen"))
                    if let last = lastSeq[stream], seq <= last.seq {
                        outOfOrder += 1
                        failures.append("\(client) gen \(stream.generation.map(String.init) ?? "?"): seq \(seq) after \(last.seq) "
                                        + "(push \(push) at \(e.at))")
                        if firstOutOfOrder == nil {
                            firstOutOfOrder = Counterexample(
                                kind: .outOfOrder, summary: "\(client) received push seq \(seq) after seq \(last.seq)",
                                marks: [Counterexample.Mark(seq: last.event, at: last.at, node: client, role: "seq \(last.seq) received"),
                                        Counterexample.Mark(e.event, role: "seq \(seq) received after it")],
                                subject: .push(id: push, user: user))
                        }
                    }
                    if seq > lastSeq[stream]?.seq ?? 0 || lastSeq[stream] == nil { lastSeq[stream] = (seq, e.event.seq, e.at) }
                }
            }
        }

        /// Every reception of the push in `slot`: (client, trace position), in trace order.
        func receipts(of slot: Int) -> [(client: NodeName, seq: Int)] {
            let fate = fates[slot]
            guard let first = fate.firstReceiver else { return [] }
            return [(first, fate.firstReceiptSeq)] + laterReceipts[slot, default: []]
        }

        /// The receptions of the push in `slot`, as marks (role `received`), in trace order.
        func receiptEvents(_ slot: Int, in run: RunRecord) -> [Counterexample.Mark] {
            receipts(of: slot).map { run.mark($0.seq, role: "received") }
        }

        func finish(run: RunRecord) -> CheckResult { PushDeliveryChecker().verdict(self, run: run) }
    }
}
