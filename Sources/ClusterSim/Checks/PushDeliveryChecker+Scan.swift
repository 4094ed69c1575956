import NetModel
import Nodes

extension PushDeliveryChecker {
    /// The trace pass of `push-delivery`: the fate of every push to every user (accepted, expired,
    /// who received it) and the out-of-order receptions, in trace order. A push accepted and
    /// received once is settled in 12 bytes (``SettledPushes``); only the others keep a full fate. The end state (crashes,
    /// retired and connected clients) is read by ``PushDeliveryChecker/verdict(_:run:)``.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.pushAccepted, NodeLog.pushReceived, NodeLog.pushExpired] }

        /// User name → number, in order of appearance.
        private var users = DenseTable<String, UInt32>()
        /// User number → name.
        private(set) var userNames: [String] = []
        /// User number → its settled pushes (accepted, then received once): nearly every push,
        /// 12 bytes each.
        private var settled: [SettledPushes] = []
        /// The settled pushes' ids as 32-bit codes (one table for every user).
        private var codes = PushCodes()
        /// Every other push to a user seen: accepted and not received (yet), received and not
        /// accepted (yet), received more than once, or not packable as settled.
        private var unsettled: [PushKey: PushFate] = [:]
        /// How many pushes to users were accepted.
        private(set) var acceptedCount = 0
        /// How many are settled.
        private(set) var settledCount = 0
        /// The second and later receptions of a push: (client, trace position).
        private var laterReceipts: [PushKey: [(client: NodeName, seq: Int)]] = [:]
        /// Per stream, the highest `seq` received and the trace position of its reception.
        private var lastSeq = LastSeqs()
        /// The first out-of-order reception as a counterexample.
        private(set) var firstOutOfOrder: Counterexample?
        /// Failures found while scanning (out-of-order receptions), in trace order.
        private(set) var failures: [String] = []
        /// How many receptions came out of order.
        private(set) var outOfOrder = 0

        mutating func observe(_ e: NodeEntry) {
            guard let push = e.number("push"), let user = e["user"] else { return }
            let userID: Int
            if let known = users[user] { userID = Int(known) } else {
                userID = userNames.count
                users[user] = UInt32(userID)
                userNames.append(user)
                settled.append(SettledPushes())
            }
            let key = PushKey(push: push, user: userID)
            // The push's fate, as a copy written back once at the end.
            var fate: PushFate
            if let known = unsettled[key] { fate = known } else if settled[userID].find(push, codes: codes) != nil {
                // Accepted and received once already: a further acceptance or an expiry changes
                // nothing; a further reception takes it back to be judged.
                guard e.label == NodeLog.pushReceived, let client = e.node,
                      let (entry, first) = settled[userID].unsettle(push, codes: codes) else { return }
                settledCount -= 1
                fate = PushFate(key: key, settled: entry, by: first)
                fate.receptions += 1
                laterReceipts[key, default: []].append((client, e.event.seq))
                unsettled[key] = fate
                checkOrder(e, client: client, push: push, user: user)
                return
            } else {
                fate = PushFate(key: key)
            }
            switch e.label {
            case NodeLog.pushAccepted:
                if !fate.accepted {
                    fate.accept(at: e.at, seq: e.event.seq)
                    acceptedCount += 1
                }
                keep(fate)
            case NodeLog.pushExpired:
                fate.expired = true
                keep(fate)
            default:
                guard let client = e.node else {
                    keep(fate)
                    return
                }
                if fate.receptions == 0 {
                    fate.firstReceivedAt = e.at
                    fate.firstReceiver = client
                    fate.firstReceiptSeq = e.event.seq
                } else {
                    laterReceipts[key, default: []].append((client, e.event.seq))
                }
                fate.receptions += 1
                keep(fate)
                checkOrder(e, client: client, push: push, user: user)
            }
        }

        /// Keeps `fate`: settled when it is accepted and received once (and fits), else unsettled.
        private mutating func keep(_ fate: PushFate) {
            if fate.accepted, fate.receptions == 1, let client = fate.firstReceiver,
               settled[fate.key.user].settle(fate.key.push, acceptedSeq: fate.acceptedSeq,
                                             receiptSeq: fate.firstReceiptSeq, by: client, codes: &codes) {
                unsettled[fate.key] = nil
                settledCount += 1
            } else {
                unsettled[fate.key] = fate
            }
        }

        /// Counts the reception `e` by `client` out of order when its `seq` is not above the
        /// last one of its stream.
        private mutating func checkOrder(_ e: NodeEntry, client: NodeName, push: UInt64, user: String) {
            guard let seq = e.number("seq") else { return }
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
            if seq > lastSeq[stream]?.seq ?? 0 || lastSeq[stream] == nil {
                lastSeq[stream] = LastSeqs.Last(seq: seq, event: e.event.seq, at: e.at)
            }
        }

        /// The accepted pushes that are not settled, in order of acceptance.
        func unsettledAccepted() -> [PushFate] {
            unsettled.values.filter(\.accepted).sorted { $0.acceptedSeq < $1.acceptedSeq }
        }

        /// The pushes received and never accepted, in order of first reception.
        func unaccepted() -> [PushFate] {
            unsettled.values.filter { !$0.accepted && $0.receptions > 0 }.sorted { $0.firstReceiptSeq < $1.firstReceiptSeq }
        }

        /// Every reception of the push of `fate`: (client, trace position), in trace order.
        func receipts(of fate: PushFate) -> [(client: NodeName, seq: Int)] {
            guard let first = fate.firstReceiver else { return [] }
            return [(first, fate.firstReceiptSeq)] + laterReceipts[fate.key, default: []]
        }

        /// The receptions of the push of `fate`, as marks (role `received`), in trace order.
        func receiptEvents(_ fate: PushFate, in run: RunRecord) -> [Counterexample.Mark] {
            receipts(of: fate).map { run.mark($0.seq, role: "received") }
        }

        func finish(run: RunRecord) -> CheckResult { PushDeliveryChecker().verdict(self, run: run) }
    }
}
