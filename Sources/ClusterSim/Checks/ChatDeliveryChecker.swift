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
/// A line that a restarted chat node said again (its sender retried it under the same request
/// key) has several sayings: it is due once to each member of any of them, a reception counts
/// for the saying the receiver is a member of, and its receptions are not judged for order.
///
/// Failures: `lost`, `duplicate` (one client twice, or two live devices), `out-of-order`,
/// `unexpected` (a line received by a non-member, or a message no chat line announced).
///
/// Detail: `lines L, member deliveries due D, delivered N; exceptions: …; failures: …` then the
/// first few failures (`msg 9 to bob lost (said 3.100s)`).
package struct ChatDeliveryChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .chatDelivery }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the chat events.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The verdict on a finished scan: each reception judged with its client's final user, then
    /// every member of every line against the end state.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        // Each client's user (its number, nil when no line names it, and its name): from the
        // snapshot's rows, else from the `user=` of its pushes.
        var userNumber: [Int?] = scan.pushedUser
        var userName: [String?] = scan.pushedUser.map { $0.map { scan.userNames[$0] } }
        for row in run.snapshot.clients {
            guard let client = scan.clientNumbers[row.client].map(Int.init) else { continue }
            userNumber[client] = scan.userNumbers[row.user].map(Int.init)
            userName[client] = row.user
        }
        // Per member slot of a line (see `Scan.Line.offset`): how many receptions, the first
        // receiver, and the others in order (rare: duplicates and redeliveries). 4 bytes a slot
        // each: a slot per member of every line is the largest thing the end of a run builds.
        var receptions = [UInt32](repeating: 0, count: scan.memberSlots)
        var firstReceiver = [UInt32](repeating: 0, count: scan.memberSlots)
        var laterReceivers: [Int: [NodeName]] = [:]
        var lastOrdinal = [Int](repeating: -1, count: scan.clients.count)
        var failures: [String] = []
        var outOfOrder = 0, unexpected = 0
        var firstCases: [Counterexample] = []
        var lastReception = [Int](repeating: 0, count: scan.clients.count)
        // A message said more than once (a retried line executed again by a restarted chat node)
        // is due once to each member of any saying, and judged on its receptions from all of them.
        var sayings: [UInt64: [Int]] = [:]
        for (ordinal, line) in scan.lines.enumerated() where scan.lineOfMessage[line.msg] != ordinal || sayings[line.msg] != nil {
            sayings[line.msg, default: []].append(ordinal)
        }
        for r in scan.receptions {
            let client = scan.clients[r.client]
            let msg = scan.msg(of: r)
            guard var ordinal = r.line else {
                unexpected += 1
                if unexpected == 1 { firstCases.append(Self.unexpectedCase(r, msg: msg, client: client, why: "that no chat line announced", run: run)) }
                failures.append("\(client) received msg \(msg) that no chat line announced (\(scan.unannouncedAt(r) ?? .zero))")
                continue
            }
            let user = userNumber[r.client]
            let resaid = sayings[msg] != nil
            if resaid, let user, !scan.lines[ordinal].members.contains(user),
               let other = sayings[msg]?.last(where: { $0 <= ordinal && scan.lines[$0].members.contains(user) }) {
                ordinal = other   // a copy of an earlier saying, delivered late
            }
            guard let user, let member = scan.lines[ordinal].members.firstIndex(of: user) else {
                unexpected += 1
                if unexpected == 1 { firstCases.append(Self.unexpectedCase(r, msg: msg, client: client, why: "as a non-member", run: run)) }
                failures.append("\(client) (\(userName[r.client] ?? "unknown user")) received msg \(msg) as a non-member")
                continue
            }
            let slot = scan.lines[ordinal].offset + member
            if receptions[slot] == 0 { firstReceiver[slot] = UInt32(r.client) } else { laterReceivers[slot, default: []].append(client) }
            receptions[slot] += 1
            // A message said twice sits at two places in the chat node's order: its receptions are
            // not judged for order (the client shows it once, wherever it first arrives).
            if resaid { continue }
            if ordinal < lastOrdinal[r.client] {
                outOfOrder += 1
                if outOfOrder == 1 {
                    firstCases.append(Counterexample(
                        kind: .outOfOrder, summary: "\(client) received msg \(msg) after a line said later",
                        marks: [run.mark(scan.lines[ordinal].seq, role: "msg \(msg) said"),
                                run.mark(lastReception[r.client], role: "later line received first"),
                                run.mark(r.seq, role: "msg \(msg) received")],
                        subject: .chatLine(msg: msg)))
                }
                failures.append("\(client) received msg \(msg) after a later line")
            }
            if ordinal > lastOrdinal[r.client] { lastReception[r.client] = r.seq }
            lastOrdinal[r.client] = max(ordinal, lastOrdinal[r.client])
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

        func receptionsOfMember(_ member: Int, msg: UInt64) -> (count: Int, receivers: [NodeName]) {
            var count = 0
            var receivers: [NodeName] = []
            for ordinal in sayings[msg] ?? [] {
                let line = scan.lines[ordinal]
                guard let i = line.members.firstIndex(of: member) else { continue }
                let slot = line.offset + i
                guard receptions[slot] > 0 else { continue }
                count += Int(receptions[slot])
                receivers += [scan.clients[Int(firstReceiver[slot])]] + laterReceivers[slot, default: []]
            }
            return (count, receivers)
        }

        var due = 0, delivered = 0, lost = 0, duplicates = 0
        var expiredCount = 0, sessionCount = 0, chatCount = 0, disconnectedCount = 0, redelivered = 0
        for (ordinal, line) in scan.lines.enumerated() {
            for member in line.members {
                let msg = line.msg
                let slot = line.offset + line.members.firstIndex(of: member)!
                var count = Int(receptions[slot])
                var receivers = count > 0 ? [scan.clients[Int(firstReceiver[slot])]] + laterReceivers[slot, default: []] : []
                if let all = sayings[msg] {
                    // Judged once, at the member's first saying, on every saying's receptions.
                    guard all.first(where: { scan.lines[$0].members.contains(member) }) == ordinal else { continue }
                    (count, receivers) = receptionsOfMember(member, msg: msg)
                }
                due += 1
                if count > 0 {
                    delivered += 1
                    let verdict = count == 1 ? .once : Receipts.judge(receivers, retired: retired)
                    switch verdict {
                    case .once: break
                    case .redelivered: redelivered += 1
                    case .duplicate:
                        duplicates += 1
                        if duplicates == 1 {
                            let copies = scan.receptions.filter { scan.msg(of: $0) == msg && userNumber[$0.client] == member }
                            firstCases.append(Counterexample(
                                kind: .duplicate, summary: "msg \(msg) to \(scan.userNames[member]) received \(count) times",
                                marks: [run.mark(line.seq, role: "said")]
                                    + copies.enumerated().map { run.mark($1.seq, role: $0 == 0 ? "first receipt" : "receipt \($0 + 1)") },
                                subject: .chatLine(msg: msg)))
                        }
                        failures.append("msg \(msg) to \(scan.userNames[member]) received \(count) times")
                    }
                } else if scan.expiries[member, default: []].contains(where: { $0 >= line.at }) {
                    expiredCount += 1
                } else if sessionCrashes.contains(where: { $0 >= line.at })
                            || sessionDown.contains(where: { $0.contains(line.at) }) {
                    sessionCount += 1
                } else if chatCrashes.contains(where: { $0 >= line.at }) {
                    chatCount += 1
                } else if !connectedUsers.contains(scan.userNames[member]) {
                    disconnectedCount += 1
                } else {
                    lost += 1
                    if lost == 1 {
                        firstCases.append(Counterexample(
                            kind: .lost, summary: "msg \(msg) to \(scan.userNames[member]) said at \(line.at) and never received",
                            marks: [run.mark(line.seq, role: "said")], subject: .chatLine(msg: msg)))
                    }
                    failures.append("msg \(msg) to \(scan.userNames[member]) lost (said \(line.at))")
                }
            }
        }

        let summary = "lines \(scan.lines.count), member deliveries due \(due), delivered \(delivered); exceptions: "
            + Detail.counts([("retention-expired", expiredCount), ("session-crashed", sessionCount),
                             ("chat-crashed", chatCount), ("client-disconnected", disconnectedCount),
                             ("duplicate-login-redelivery", redelivered)])
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([
            ("lost", lost), ("duplicate", duplicates), ("out-of-order", outOfOrder), ("unexpected", unexpected),
        ]) + ": " + Detail.list(failures)).with(firstCases.min { $0.at < $1.at })
    }

    /// The counterexample of a line received by someone it was not for.
    private static func unexpectedCase(_ r: Scan.Reception, msg: UInt64, client: NodeName, why: String, run: RunRecord) -> Counterexample {
        Counterexample(kind: .unexplained, summary: "\(client) received msg \(msg) \(why)",
                       marks: [run.mark(r.seq, role: "received")], subject: .chatLine(msg: msg))
    }
}
