import NetModel
import Nodes

/// `acknowledged-effects`: a client told "ok" can rely on the effect having happened.
///
/// Property, two rules on the successful replies clients log (`client-reply result=ok`):
/// 1. A reply carrying `push=P` (a MessageUser or Broadcast accepted as push P) comes after the
///    session node held P in its outbox: there is a `push-held push=P` at a session node at or
///    before the reply's instant.
/// 2. A reply carrying `msg=M` (a chat `say` accepted) comes after the line was said: there is a
///    `chat-line msg=M` at a chat node at or before the reply's instant.
/// Replies with `result=error`, and successful replies with neither field, are not judged.
///
/// Allowed exceptions: none. A push or line that happens after the reply, or never, is a failure:
/// the client was told its request took effect before it had.
///
/// Failures: `unheld-push`, `unsaid-line`.
///
/// Detail: `acknowledged pushes P, acknowledged lines L` then, on failure, `; failures:
/// unheld-push=N unsaid-line=M: …` with the first few offenders in trace order (`client-3 req 7
/// push 12 acknowledged at 3.000s`).
package struct AcknowledgedEffectsChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .acknowledgedEffects }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the replies, held pushes and chat lines.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The verdict on a finished scan: each reply whose effect was not seen before it in the trace
    /// is excused only by an effect logged later at the very same instant.
    func verdict(_ scan: Scan) -> CheckResult {
        var failures: [String] = []
        var unheld = 0, unsaid = 0
        var example: Counterexample?
        for reply in scan.unconfirmed {
            if let at = reply.kind == .push ? scan.held[reply.id] : scan.said[reply.id], at <= reply.at { continue }
            if reply.kind == .push { unheld += 1 } else { unsaid += 1 }
            failures.append("\(reply.client) req \(reply.req) \(reply.kind.rawValue) \(reply.id) acknowledged at \(reply.at)")
            if example == nil {
                example = Counterexample(kind: .unexplained, summary: "\(reply.kind.rawValue) \(reply.id) acknowledged to \(reply.client) before it was \(reply.kind == .push ? "held" : "said")",
                                         marks: [Counterexample.Mark(seq: reply.seq, at: reply.at, node: reply.client, role: "acknowledged")],
                                         subject: reply.kind == .push ? nil : .chatLine(msg: reply.id))
            }
        }
        let summary = "acknowledged pushes \(scan.pushReplies), acknowledged lines \(scan.lineReplies)"
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([("unheld-push", unheld), ("unsaid-line", unsaid)])
                    + ": " + Detail.list(failures)).with(example)
    }
}

extension AcknowledgedEffectsChecker {
    /// The trace pass of `acknowledged-effects`: the first instant of every held push and said
    /// line, and the successful replies whose effect had not been logged when they were (the
    /// verdict looks for an effect logged later at the same instant).
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.clientReply, NodeLog.pushHeld, NodeLog.chatLine] }

        /// What a reply acknowledged.
        enum Kind: String, Sendable { case push, msg }

        /// A successful reply whose effect was not seen before it.
        struct Reply: Sendable {
            let client: NodeName
            let req: String
            let kind: Kind
            let id: UInt64
            let at: VirtualInstant
            /// Its trace position.
            var seq = 0
        }

        /// Push id → the instant the session node first held it (every push of the run: 8 bytes
        /// each, in arrays by the id's prefix).
        private(set) var held = FirstInstants()
        /// Chat message id → the instant the chat node first logged its line.
        private(set) var said: [UInt64: VirtualInstant] = [:]
        /// Replies whose effect had not been logged yet, in trace order.
        private(set) var unconfirmed: [Reply] = []
        /// Successful replies carrying `push=` / `msg=`.
        private(set) var pushReplies = 0, lineReplies = 0

        mutating func observe(_ e: NodeEntry) {
            switch e.label {
            case NodeLog.pushHeld:
                guard e.node?.role == .session, let push = e.number("push") else { return }
                held.keepFirst(push, at: e.at)
            case NodeLog.chatLine:
                guard e.node?.role == .chat, let msg = e.number("msg"), said[msg] == nil else { return }
                said[msg] = e.at
            default:
                guard e["result"] == "ok", let client = e.node else { return }
                if let push = e.number("push") {
                    pushReplies += 1
                    if held[push] == nil { unconfirmed.append(Reply(client: client, req: e["req"] ?? "?", kind: .push, id: push, at: e.at, seq: e.event.seq)) }
                }
                if let msg = e.number("msg") {
                    lineReplies += 1
                    if said[msg] == nil { unconfirmed.append(Reply(client: client, req: e["req"] ?? "?", kind: .msg, id: msg, at: e.at, seq: e.event.seq)) }
                }
            }
        }

        func finish(run: RunRecord) -> CheckResult { AcknowledgedEffectsChecker().verdict(self) }
    }
}
