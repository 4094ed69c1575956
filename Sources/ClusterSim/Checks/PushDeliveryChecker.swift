import NetModel
import Nodes

/// `push-delivery`: every push the session node accepted reaches its user exactly once, in order,
/// or is lost for a reason the rules allow.
///
/// Property: a push is identified by its id and user (a broadcast shares one id among users).
/// Every `push-accepted push=P user=U` at the session node is matched by a `push-received push=P
/// user=U` at one of U's clients; no client receives the same push twice; and each client
/// receives, per `gen`, strictly increasing `seq`.
///
/// Allowed exceptions, counted and tried in this order for a push never received:
/// - `retention-expired`: the session node logged `push-expired push=P user=U`;
/// - `session-crashed`: `session-1` crashed after the push was accepted (the outbox is memory);
/// - `client-disconnected`: none of U's clients is connected at the end.
/// A push received by two devices of one user where all but one are retired (a kicked
/// duplicate-login device) is counted as `duplicate-login-redelivery`, not as a duplicate.
///
/// Failures: `lost` (accepted, never received, no exception), `duplicate` (received twice by one
/// client, or by two live devices of the user), `out-of-order` (a `seq` not above the client's
/// previous one in the same `gen`), `unaccepted` (received but never accepted).
///
/// Detail: `accepted A, delivered D; exceptions: retention-expired=3 session-crashed=12;
/// failures: lost=1 …` then the first few failures (`push 17 to alice lost (accepted 1.250s)`).
public struct PushDeliveryChecker: Checker {
    /// Which check this is.
    public var name: CheckName { .pushDelivery }

    /// Makes the checker.
    public init() {}

    struct PushKey: Hashable {
        let push: UInt64
        let user: String
    }

    /// One client's stream of one session-node generation: `seq` grows within it.
    struct StreamKey: Hashable {
        let client: NodeName
        let generation: UInt64?
    }

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    public func check(_ run: RunRecord) -> CheckResult {
        let entries = run.nodeEvents([NodeLog.pushAccepted, NodeLog.pushReceived, NodeLog.pushExpired])
        var accepted: [(key: PushKey, at: VirtualInstant)] = []
        var acceptedKeys: Set<PushKey> = []
        var received: [PushKey: [NodeName]] = [:]
        var receivedOrder: [(key: PushKey, at: VirtualInstant)] = []
        var expired: Set<PushKey> = []
        var lastSeq: [StreamKey: UInt64] = [:]
        var failures: [String] = []
        var outOfOrder = 0

        for e in entries {
            guard let push = e.number("push"), let user = e["user"] else { continue }
            let key = PushKey(push: push, user: user)
            switch e.label {
            case NodeLog.pushAccepted:
                if acceptedKeys.insert(key).inserted { accepted.append((key, e.at)) }
            case NodeLog.pushExpired:
                expired.insert(key)
            default:
                guard let client = e.node else { continue }
                if received[key] == nil { receivedOrder.append((key, e.at)) }
                received[key, default: []].append(client)
                if let seq = e.number("seq") {
                    let stream = StreamKey(client: client, generation: e.number("gen"))
                    if let last = lastSeq[stream], seq <= last {
                        outOfOrder += 1
                        failures.append("\(client) gen \(stream.generation.map(String.init) ?? "?"): seq \(seq) after \(last) "
                                        + "(push \(push) at \(e.at))")
                    }
                    lastSeq[stream] = max(seq, lastSeq[stream] ?? 0)
                }
            }
        }

        let sessionCrashes = run.crashes(of: .session)
        let retired = Set(run.snapshot.clients.filter(\.retired).map(\.client))
        var connectedUsers: Set<String> = []
        for row in run.snapshot.clients where row.connected { connectedUsers.insert(row.user) }

        var delivered = 0, lost = 0, duplicates = 0
        var expiredCount = 0, crashedCount = 0, disconnectedCount = 0, redelivered = 0
        for (key, at) in accepted {
            if let clients = received[key] {
                delivered += 1
                switch Receipts.judge(clients, retired: retired) {
                case .once: break
                case .redelivered: redelivered += 1
                case .duplicate:
                    duplicates += 1
                    failures.append("push \(key.push) to \(key.user) received \(clients.count) times ("
                                    + clients.map(\.description).joined(separator: " ") + ")")
                }
            } else if expired.contains(key) {
                expiredCount += 1
            } else if sessionCrashes.contains(where: { $0 >= at }) {
                crashedCount += 1
            } else if !connectedUsers.contains(key.user) {
                disconnectedCount += 1
            } else {
                lost += 1
                failures.append("push \(key.push) to \(key.user) lost (accepted \(at))")
            }
        }
        var unaccepted = 0
        for (key, at) in receivedOrder where !acceptedKeys.contains(key) {
            unaccepted += 1
            failures.append("push \(key.push) to \(key.user) received at \(at) but never accepted")
        }

        let summary = "accepted \(accepted.count), delivered \(delivered); exceptions: " + Detail.counts([
            ("retention-expired", expiredCount), ("session-crashed", crashedCount),
            ("client-disconnected", disconnectedCount), ("duplicate-login-redelivery", redelivered),
        ])
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([
            ("lost", lost), ("duplicate", duplicates), ("out-of-order", outOfOrder), ("unaccepted", unaccepted),
        ]) + ": " + Detail.list(failures))
    }
}
