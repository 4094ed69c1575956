import NetModel
import Nodes

extension ChatLivenessChecker {
    /// The trace pass of `chat-liveness`: every chat line by room (of a chat-node incarnation),
    /// who received each message, and how many times a chat node crashed. The window depends on
    /// the last fault, known only at the end, so all lines are kept (one small record per line).
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.chatLine, NodeLog.chatReceived, NodeLog.clientReply] }
        var kinds: [TraceKind] { [.crash] }

        /// One chat line (its members are kept only for the last line of each room: the verdict
        /// reads no others, and a run keeps every line).
        struct Line: Sendable {
            let msg: UInt64
            let at: VirtualInstant
            let sender: String
        }

        /// A room's lines and the members of the last one.
        struct RoomLines: Sendable {
            /// The positions of its lines in `lines`, in order.
            var positions: [Int] = []
            /// The members the room's last line listed.
            var lastMembers: [String] = []
        }

        /// A room of one incarnation of the chat node: room numbers start again at 1 when the
        /// chat node restarts, so a room is told apart by how many chat-node crashes came before.
        struct Room: Hashable, Comparable, Sendable {
            /// How many times a chat node had crashed when its lines were said.
            let incarnation: Int
            let number: UInt64

            /// Orders by incarnation, then room number.
            static func < (a: Room, b: Room) -> Bool { (a.incarnation, a.number) < (b.incarnation, b.number) }
        }

        /// Every line, in trace order (the first `chat-line` of each message).
        private(set) var lines: [Line] = []
        /// Room → the positions of its lines in `lines`, in order, and its last line's members.
        private(set) var rooms: [Room: RoomLines] = [:]
        /// Message → the clients that received it, in trace order.
        private var receiverNumbers: [UInt64: [UInt32]] = [:]
        /// Receiving node → its number in `receiverNames` (a line's receivers are kept as 4-byte
        /// numbers: every line keeps them for the whole run).
        private var numbers = DenseTable<NodeName, UInt32>()
        private var receiverNames: [NodeName] = []

        /// The clients that received `msg`, in trace order.
        func receivers(of msg: UInt64) -> [NodeName] {
            (receiverNumbers[msg] ?? []).map { receiverNames[Int($0)] }
        }
        /// How many times a chat node crashed so far.
        private(set) var chatCrashes = 0
        private var known: Set<UInt64> = []
        /// Client → the instants of the outcomes (replies, give-ups) of the lines it tried to say,
        /// in order.
        private(set) var chatAttempts: [NodeName: [VirtualInstant]] = [:]

        mutating func observe(_ e: NodeEntry) {
            guard e.event.kind == .node else {
                if e.node?.role == .chat { chatCrashes += 1 }
                return
            }
            if e.label == NodeLog.clientReply {
                if e["service"] == "ChatCommand", e["msg"] != nil, let client = e.node {
                    chatAttempts[client, default: []].append(e.at)
                }
                return
            }
            guard let msg = e.number("msg") else { return }
            if e.label == NodeLog.chatLine {
                guard let room = e.number("room"), known.insert(msg).inserted else { return }
                let key = Room(incarnation: chatCrashes, number: room)
                rooms[key, default: RoomLines()].positions.append(lines.count)
                rooms[key]!.lastMembers = e.list("members")
                lines.append(Line(msg: msg, at: e.at, sender: e["sender"] ?? ""))
            } else if let node = e.node {
                let number: UInt32
                if let known = numbers[node] { number = known } else {
                    number = UInt32(receiverNames.count)
                    numbers[node] = number
                    receiverNames.append(node)
                }
                receiverNumbers[msg, default: []].appendGently(number)
            }
        }

        func finish(run: RunRecord) -> CheckResult { ChatLivenessChecker().verdict(self, run: run) }
    }
}
