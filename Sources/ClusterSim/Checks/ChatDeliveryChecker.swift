import NetModel
import Nodes

/// `chat-delivery`: every chat line reaches every member present when it was said, once, in order.
///
/// Property: for each `chat-line msg=M members=a,b,c` at the chat node (members: every other
/// member present at that moment), each listed member's client logs `chat-received msg=M` once;
/// no one else receives M; and each client receives lines in the order the chat node logged them.
/// A client's user comes from the snapshot's client rows, else from the `user=` of the pushes it
/// received.
///
/// Allowed exceptions, counted and tried in this order for a member who never received a line:
/// - `retention-expired`: the session node expired a push for that member after the line was said
///   (lines travel as pushes; the trace does not link a line to its push id, so this is the
///   closest sign);
/// - `session-crashed`: `session-1` crashed after the line was said, or was down (crashed and not
///   yet registered again, plus one second) when it was said;
/// - `chat-crashed`: the chat node crashed after the line was said;
/// - `client-disconnected`: none of the member's clients is connected at the end.
/// A copy received by a retired duplicate-login device as well is `duplicate-login-redelivery`.
///
/// Failures: `lost`, `duplicate` (one client twice, or two live devices), `out-of-order`,
/// `unexpected` (a line received by a non-member, or a message no chat line announced).
///
/// Detail: `lines L, member deliveries due D, delivered N; exceptions: …; failures: …` then the
/// first few failures (`msg 9 to bob lost (said 3.100s)`).
public struct ChatDeliveryChecker: Checker {
    /// Which check this is.
    public var name: CheckName { .chatDelivery }

    /// Makes the checker.
    public init() {}

    private struct Line {
        let ordinal: Int
        let at: VirtualInstant
        let members: [String]
    }

    private struct Key: Hashable {
        let msg: UInt64
        let user: String
    }

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    public func check(_ run: RunRecord) -> CheckResult {
        let userOf = run.userOfClient()
        var lines: [UInt64: Line] = [:]
        var lineOrder: [UInt64] = []
        var received: [Key: [NodeName]] = [:]
        var lastOrdinal: [NodeName: Int] = [:]
        var failures: [String] = []
        var outOfOrder = 0, unexpected = 0
        var expiries: [String: [VirtualInstant]] = [:]

        for e in run.nodeEvents([NodeLog.chatLine, NodeLog.chatReceived, NodeLog.pushExpired]) {
            switch e.label {
            case NodeLog.pushExpired:
                if let user = e["user"] { expiries[user, default: []].append(e.at) }
            case NodeLog.chatLine:
                guard let msg = e.number("msg"), lines[msg] == nil else { continue }
                let members = e.list("members")
                lines[msg] = Line(ordinal: lineOrder.count, at: e.at, members: members)
                lineOrder.append(msg)
            default:
                guard let msg = e.number("msg"), let client = e.node else { continue }
                guard let line = lines[msg] else {
                    unexpected += 1
                    failures.append("\(client) received msg \(msg) that no chat line announced (\(e.at))")
                    continue
                }
                guard let user = userOf[client], line.members.contains(user) else {
                    unexpected += 1
                    failures.append("\(client) (\(userOf[client] ?? "unknown user")) received msg \(msg) as a non-member")
                    continue
                }
                received[Key(msg: msg, user: user), default: []].append(client)
                if let last = lastOrdinal[client], line.ordinal < last {
                    outOfOrder += 1
                    failures.append("\(client) received msg \(msg) after a later line")
                }
                lastOrdinal[client] = max(line.ordinal, lastOrdinal[client] ?? -1)
            }
        }

        let sessionCrashes = run.crashes(of: .session)
        // From a session crash until it has registered again, plus a second for the chat node to
        // learn that its stream died: lines said then never reach the session node.
        let registrations = run.nodeEvents(NodeLog.registered).filter { $0.node == .session }.map(\.at)
        let sessionDown: [ClosedRange<VirtualInstant>] = sessionCrashes.map { crash in
            let back = registrations.first { $0 > crash } ?? run.end
            return crash...back.advanced(by: .seconds(1))
        }
        let chatCrashes = run.crashes { $0.role == .chat }
        let retired = Set(run.snapshot.clients.filter(\.retired).map(\.client))
        var connectedUsers: Set<String> = []
        for row in run.snapshot.clients where row.connected { connectedUsers.insert(row.user) }

        var due = 0, delivered = 0, lost = 0, duplicates = 0
        var expiredCount = 0, sessionCount = 0, chatCount = 0, disconnectedCount = 0, redelivered = 0
        for msg in lineOrder {
            guard let line = lines[msg] else { continue }
            for member in line.members {
                due += 1
                if let clients = received[Key(msg: msg, user: member)] {
                    delivered += 1
                    switch Receipts.judge(clients, retired: retired) {
                    case .once: break
                    case .redelivered: redelivered += 1
                    case .duplicate:
                        duplicates += 1
                        failures.append("msg \(msg) to \(member) received \(clients.count) times")
                    }
                } else if expiries[member, default: []].contains(where: { $0 >= line.at }) {
                    expiredCount += 1
                } else if sessionCrashes.contains(where: { $0 >= line.at })
                            || sessionDown.contains(where: { $0.contains(line.at) }) {
                    sessionCount += 1
                } else if chatCrashes.contains(where: { $0 >= line.at }) {
                    chatCount += 1
                } else if !connectedUsers.contains(member) {
                    disconnectedCount += 1
                } else {
                    lost += 1
                    failures.append("msg \(msg) to \(member) lost (said \(line.at))")
                }
            }
        }

        let summary = "lines \(lineOrder.count), member deliveries due \(due), delivered \(delivered); exceptions: "
            + Detail.counts([("retention-expired", expiredCount), ("session-crashed", sessionCount),
                             ("chat-crashed", chatCount), ("client-disconnected", disconnectedCount),
                             ("duplicate-login-redelivery", redelivered)])
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([
            ("lost", lost), ("duplicate", duplicates), ("out-of-order", outOfOrder), ("unexpected", unexpected),
        ]) + ": " + Detail.list(failures))
    }
}
