import NetModel
import Nodes

extension ChatDeliveryChecker {
    /// The trace pass of `chat-delivery`: the chat lines with their members, every reception (who
    /// received which line, in trace order), the push expiries by user and each client's user as
    /// its pushes name it. Whether a reception was due depends on the client's user, which the
    /// snapshot settles only at the end, so ``ChatDeliveryChecker/verdict(_:run:)`` judges them.
    ///
    /// Users and clients are numbered in order of appearance, so the verdict compares integers.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.chatLine, NodeLog.chatReceived, NodeLog.pushExpired, NodeLog.pushReceived] }

        /// One chat line, by ordinal (the order the chat node logged it).
        struct Line {
            let msg: UInt64
            let at: VirtualInstant
            /// Its members' user numbers, as listed.
            let members: [Int]
            /// The position of its first member's receptions in the verdict's flat list.
            let offset: Int
            /// Its trace position.
            var seq = 0
        }

        /// One `chat-received`, in trace order (kept for the run in 12 bytes: ``Receptions``).
        struct Reception: Sendable {
            private let clientNumber: UInt32
            /// The line's ordinal; negative for a message no line announced: `-1 - i` for
            /// `unannounced[i]`.
            fileprivate let ref: Int32
            /// Its trace position.
            let seq: Int

            /// Makes a reception by client `client` of the line `ref` (or of `unannounced[-1 - ref]`).
            init(client: Int, ref: Int, seq: Int) {
                clientNumber = UInt32(client)
                self.ref = Int32(ref)
                self.seq = seq
            }

            /// The client's number.
            var client: Int { Int(clientNumber) }
            /// The line's ordinal, or nil for a message no line announced.
            var line: Int? { ref >= 0 ? Int(ref) : nil }
        }

        /// User name → number.
        private(set) var userNumbers = DenseTable<String, UInt32>()
        /// User number → name.
        private(set) var userNames: [String] = []
        /// Client name → number.
        private(set) var clientNumbers = DenseTable<NodeName, UInt32>()
        /// Client number → name.
        private(set) var clients: [NodeName] = []
        /// Client number → the user its last `push-received user=` named (clients only).
        private(set) var pushedUser: [Int?] = []
        /// Every line, by ordinal.
        private(set) var lines: [Line] = []
        /// Message → the ordinal of its latest saying.
        private(set) var lineOfMessage: [UInt64: Int] = [:]
        /// The lines' member lists, each distinct one kept once (lines share them).
        private var memberLists = SharedLists<Int>()
        /// Member slots of every line so far (the next line's `offset`).
        private(set) var memberSlots = 0
        /// Every reception, in trace order.
        private(set) var receptions = Receptions()
        /// The receptions of messages no line announced (rare): the message and when.
        private(set) var unannounced: [(msg: UInt64, at: VirtualInstant)] = []
        /// User number → the instants of its pushes' expiries, in order.
        private(set) var expiries: [Int: [VirtualInstant]] = [:]

        mutating func observe(_ e: NodeEntry) {
            switch e.label {
            case NodeLog.pushExpired:
                if let user = e["user"] { expiries[number(ofUser: user), default: []].append(e.at) }
            case NodeLog.pushReceived:
                if let node = e.node, node.role == .client, let user = e["user"] {
                    pushedUser[number(ofClient: node)] = number(ofUser: user)
                }
            case NodeLog.chatLine:
                // A line said again (a restarted chat node executed a retried `say`) is a new
                // saying of the same message: receptions after it are matched to it.
                guard let msg = e.number("msg") else { return }
                let members = memberLists.intern(e.list("members").map { number(ofUser: $0) })
                lineOfMessage[msg] = lines.count
                lines.appendGently(Line(msg: msg, at: e.at, members: members, offset: memberSlots, seq: e.event.seq))
                memberSlots += members.count
            default:
                guard let msg = e.number("msg"), let client = e.node else { return }
                let ref: Int
                if let line = lineOfMessage[msg] { ref = line } else {
                    ref = -1 - unannounced.count
                    unannounced.append((msg, e.at))
                }
                receptions.append(Reception(client: number(ofClient: client), ref: ref, seq: e.event.seq))
            }
        }

        /// The message `r` received.
        func msg(of r: Reception) -> UInt64 {
            r.ref >= 0 ? lines[Int(r.ref)].msg : unannounced[-1 - Int(r.ref)].msg
        }

        /// When `r` was received, for a message no line announced (a line's receptions do not
        /// keep their instant).
        func unannouncedAt(_ r: Reception) -> VirtualInstant? {
            r.ref >= 0 ? nil : unannounced[-1 - Int(r.ref)].at
        }

        /// The number of `user`, numbering it if new.
        private mutating func number(ofUser user: String) -> Int {
            if let known = userNumbers[user] { return Int(known) }
            userNumbers[user] = UInt32(userNames.count)
            userNames.append(user)
            return userNames.count - 1
        }

        /// The number of `client`, numbering it if new.
        private mutating func number(ofClient client: NodeName) -> Int {
            if let known = clientNumbers[client] { return Int(known) }
            clientNumbers[client] = UInt32(clients.count)
            clients.append(client)
            pushedUser.append(nil)
            return clients.count - 1
        }

        func finish(run: RunRecord) -> CheckResult { ChatDeliveryChecker().verdict(self, run: run) }
    }
}

extension ChatDeliveryChecker.Scan {
    /// Every `chat-received` of the run, in trace order, 12 bytes each where a `Reception` takes
    /// 16: the client's number, the line, and the low half of the trace position, whose high half
    /// is kept once per change (trace positions only grow: a run of 2³² events has one). Read as a
    /// collection of `Reception`s.
    struct Receptions: RandomAccessCollection, Sendable {
        private struct Packed: Sendable {
            let client: UInt32
            let ref: Int32
            let seqLow: UInt32
        }

        private var packed: [Packed] = []
        /// Where the trace position's high half changes: from which reception on, and to what.
        private var highs: [(from: Int, high: UInt32)] = []

        /// None.
        init() {}

        var startIndex: Int { 0 }
        var endIndex: Int { packed.count }
        /// The room kept, in receptions.
        var room: Int { packed.capacity }

        subscript(i: Int) -> Reception {
            let p = packed[i]
            var high: UInt32 = 0
            for change in highs.reversed() where change.from <= i {
                high = change.high
                break
            }
            return Reception(client: Int(p.client), ref: Int(p.ref), seq: Int(truncatingIfNeeded: UInt64(high) << 32 | UInt64(p.seqLow)))
        }

        /// Appends `r` (grown by a quarter, `reserveGently`: kept for the run).
        mutating func append(_ r: Reception) {
            let seq = UInt64(UInt(bitPattern: r.seq))
            let high = UInt32(truncatingIfNeeded: seq >> 32)
            if high != (highs.last?.high ?? 0) { highs.append((packed.count, high)) }
            packed.reserveGently()
            packed.append(Packed(client: UInt32(r.client), ref: r.ref, seqLow: UInt32(truncatingIfNeeded: seq)))
        }
    }
}
