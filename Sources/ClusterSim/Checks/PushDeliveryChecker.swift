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
/// - `client-disconnected`: none of U's clients is connected at the end;
/// - `in-recovery`: accepted at or after an exit (``RunRecord/exits()``: a node the cluster fenced
///   itself, ended by its supervisor) less than ``RunRecord/recoveryBound`` before the end. What
///   the cluster does to recover (clients re-joining a restarted chat node, re-logging in
///   elsewhere) makes pushes of its own; under loss the last of them may still be waiting for a
///   retransmission when the run stops.
/// A push received by two devices of one user where all but one are retired (a kicked
/// duplicate-login device) is counted as `duplicate-login-redelivery`, not as a duplicate.
///
/// Failures: `lost` (accepted, never received, no exception), `duplicate` (received twice by one
/// client, or by two live devices of the user), `out-of-order` (a `seq` not above the client's
/// previous one in the same `gen`), `unaccepted` (received but never accepted).
///
/// Detail: `accepted A, delivered D; exceptions: retention-expired=3 session-crashed=12;
/// failures: lost=1 …` then the first few failures (`push 17 to alice lost (accepted 1.250s)`).
package struct PushDeliveryChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .pushDelivery }

    /// Makes the checker.
    package init() {}

    /// A push to one user; users are numbered in order of appearance, so keys hash as integers.
    /// (12 bytes: the user's number is kept as 32 bits.)
    struct PushKey: Hashable {
        let push: UInt64
        private let userNumber: UInt32

        init(push: UInt64, user: Int) {
            self.push = push
            userNumber = UInt32(user)
        }

        /// The user's number.
        var user: Int { Int(userNumber) }
    }

    /// One client's stream of one session-node generation: `seq` grows within it.
    /// (The client as its role order and number, so the key hashes as integers.)
    struct StreamKey: Hashable {
        let role: Int
        let client: Int
        let generation: UInt64?
        init(client: NodeName, generation: UInt64?) {
            role = client.role.order
            self.client = client.index
            self.generation = generation
        }
    }

    /// What the trace says about one push to one user that is not settled (``SettledPushes``):
    /// accepted and not received yet, received and not accepted, received more than once, or
    /// too far apart to pack. The first reception is kept here and any later one in the scan's
    /// `laterReceipts`. Instants as nanoseconds (`Int64.min` for none), counts and the first
    /// receiver's number as 32 bits, the fields ordered so that nothing is padded (56 bytes).
    struct PushFate {
        let key: PushKey
        private var receptionCount: UInt32 = 0
        private var acceptedNanos = Int64.min
        /// The trace position of the first `push-accepted`.
        var acceptedSeq = 0
        /// The trace position of the first reception.
        var firstReceiptSeq = 0
        private var receivedNanos = Int64.min
        private var receiverIndex: UInt32 = 0
        private var receiverRole: NodeRole?
        var expired = false
        /// Whether it was accepted. (A fate taken back from ``SettledPushes`` is accepted but has
        /// no `acceptedAt`: it was received, so the verdict never asks when it was accepted.)
        private(set) var accepted = false

        init(key: PushKey) { self.key = key }

        /// A settled push taken back (a further copy arrived): accepted, received once.
        init(key: PushKey, settled: SettledPushes.Entry, by client: NodeName) {
            self.key = key
            accepted = true
            acceptedSeq = Int(settled.acceptedSeq)
            firstReceiptSeq = settled.receiptSeq
            firstReceiver = client
            receptionCount = 1
        }

        /// When the push was first accepted, if it was (and is known).
        var acceptedAt: VirtualInstant? {
            get { acceptedNanos == .min ? nil : VirtualInstant(nanoseconds: acceptedNanos) }
        }

        /// Records the first acceptance, at `at`, trace position `seq`.
        mutating func accept(at: VirtualInstant, seq: Int) {
            accepted = true
            acceptedNanos = at.nanoseconds
            acceptedSeq = seq
        }

        /// How many receptions (the first here, the rest in the scan's `laterReceipts`).
        var receptions: Int {
            get { Int(receptionCount) }
            set { receptionCount = UInt32(newValue) }
        }

        /// The client that received it first, if any did.
        var firstReceiver: NodeName? {
            get { receiverRole.map { NodeName($0, Int(receiverIndex)) } }
            set {
                receiverRole = newValue?.role
                receiverIndex = UInt32(newValue?.index ?? 0)
            }
        }

        /// When it was first received, if it was.
        var firstReceivedAt: VirtualInstant? {
            get { receivedNanos == .min ? nil : VirtualInstant(nanoseconds: receivedNanos) }
            set { receivedNanos = newValue?.nanoseconds ?? .min }
        }
    }

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the push events.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The verdict on a finished scan: every accepted push judged against the end state.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        let userNames = scan.userNames
        var failures = scan.failures
        let sessionCrashes = run.crashes(of: .session)
        let retired = Set(run.snapshot.clients.filter(\.retired).map(\.client))
        var connectedUsers: Set<String> = []
        for row in run.snapshot.clients where row.connected { connectedUsers.insert(row.user) }

        // Every settled push was delivered once; the rest are judged in order of acceptance.
        var delivered = scan.settledCount, lost = 0, duplicates = 0
        var firstCases: [Counterexample] = scan.firstOutOfOrder.map { [$0] } ?? []
        var expiredCount = 0, crashedCount = 0, disconnectedCount = 0, recoveringCount = 0, redelivered = 0
        let recoveryStart = run.exitsInRecovery().map(\.at).min()
        for fate in scan.unsettledAccepted() {
            let user = userNames[fate.key.user], push = fate.key.push
            if fate.receptions > 0 {
                delivered += 1
                guard fate.receptions > 1 else { continue }
                let receivers = scan.receipts(of: fate).map(\.client)
                switch Receipts.judge(receivers, retired: retired) {
                case .once: break
                case .redelivered: redelivered += 1
                case .duplicate:
                    duplicates += 1
                    if duplicates == 1 { firstCases.append(duplicateCase(fate, user: user, run: run, receipts: scan.receiptEvents(fate, in: run))) }
                    failures.append("push \(push) to \(user) received \(receivers.count) times ("
                                    + receivers.map(\.description).joined(separator: " ") + ")")
                }
                continue
            }
            let at = fate.acceptedAt!
            if fate.expired {
                expiredCount += 1
            } else if sessionCrashes.contains(where: { $0 >= at }) {
                crashedCount += 1
            } else if !connectedUsers.contains(user) {
                disconnectedCount += 1
            } else if let start = recoveryStart, at >= start {
                recoveringCount += 1
            } else {
                lost += 1
                if lost == 1 {
                    firstCases.append(Counterexample(
                        kind: .lost, summary: "push \(push) to \(user) accepted at \(at) and never received",
                        marks: [run.mark(fate.acceptedSeq, role: "accepted")],
                        subject: .push(id: push, user: user)))
                }
                failures.append("push \(push) to \(user) lost (accepted \(at))")
            }
        }
        var unaccepted = 0
        for fate in scan.unaccepted() {
            let user = userNames[fate.key.user]
            unaccepted += 1
            if unaccepted == 1, let first = scan.receiptEvents(fate, in: run).first {
                firstCases.append(Counterexample(
                    kind: .unexplained, summary: "push \(fate.key.push) to \(user) received but never accepted",
                    marks: [Counterexample.Mark(seq: first.seq, at: first.at, node: first.node, role: "received")],
                    subject: .push(id: fate.key.push, user: user)))
            }
            failures.append("push \(fate.key.push) to \(user) received at \(fate.firstReceivedAt!) but never accepted")
        }

        let summary = "accepted \(scan.acceptedCount), delivered \(delivered); exceptions: " + Detail.counts([
            ("retention-expired", expiredCount), ("session-crashed", crashedCount),
            ("client-disconnected", disconnectedCount), ("in-recovery", recoveringCount),
            ("duplicate-login-redelivery", redelivered),
        ])
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([
            ("lost", lost), ("duplicate", duplicates), ("out-of-order", scan.outOfOrder), ("unaccepted", unaccepted),
        ]) + ": " + Detail.list(failures)).with(firstCases.min { $0.at < $1.at })
    }

    /// The counterexample of a push received more than once: its acceptance and every reception.
    private func duplicateCase(_ fate: PushFate, user: String, run: RunRecord, receipts: [Counterexample.Mark]) -> Counterexample {
        var marks = [run.mark(fate.acceptedSeq, role: "accepted")]
        for (k, r) in receipts.enumerated() {
            marks.append(Counterexample.Mark(seq: r.seq, at: r.at, node: r.node, role: k == 0 ? "first receipt" : "receipt \(k + 1)"))
        }
        return Counterexample(kind: .duplicate,
                              summary: "push \(fate.key.push) to \(user) received \(receipts.count) times",
                              marks: marks, subject: .push(id: fate.key.push, user: user))
    }
}
