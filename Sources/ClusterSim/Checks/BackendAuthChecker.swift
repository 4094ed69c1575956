import NetModel
import Nodes

/// `backend-auth`: backend calls run only for peers that carry the cluster's group id.
///
/// Property, three rules:
/// 1. Every `backend-rejected` carries a group different from the cluster's (`groupID`, default
///    `"k2svc"`): a right-group call is never refused.
/// 2. No `backend-executed` comes `from=` an attacker — a node that logged `attack-sent
///    kind=wrong-group` — and none carries a `group=` other than the cluster's (executed calls are
///    right-group by construction and normally log no group).
/// 3. Every wrong-group attack is answered: the attacker's attacks, in order, are matched with
///    the `backend-rejected from=<attacker>` events after them (each rejection answers one attack).
/// 4. Every rejection is explained: its sender logged a wrong-group attack at or before it. In a
///    run every node carries the cluster's group and the attack clients log every attack they
///    send, so a rejection from anyone else is a node of the cluster sending another group, or an
///    attack the record lost — either way the pass of rule 3 would be vacuous.
///
/// Allowed exception (counted): an unanswered attack whose message the network dropped (a `drop`
/// event with the attack's `id=` as message id, sent by or to the attacker).
///
/// Detail: `attacks A, rejected R; exceptions: attack-dropped=N; failures: …` with the first few
/// offending events (`frontend-2 executed Kick from client-7 at 3.000s`).
package struct BackendAuthChecker: Checker {
    /// Which check this is.
    package var name: CheckName { .backendAuth }
    /// The cluster's group id.
    package var groupID: String

    /// Makes the checker.
    package init(groupID: String = "k2svc") {
        self.groupID = groupID
    }

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult {
        let entries = run.nodeEvents([NodeLog.attackSent, NodeLog.backendExecuted, NodeLog.backendRejected])
        var attacks: [NodeName: [NodeEntry]] = [:]
        var rejections: [NodeName: [NodeEntry]] = [:]
        var failures: [String] = []
        var firstMarks: [Counterexample.Mark] = []
        var attackCount = 0, rejectedCount = 0
        for e in entries where e.label == NodeLog.attackSent && e["kind"] == "wrong-group" {
            if let node = e.node { attacks[node, default: []].append(e); attackCount += 1 }
        }
        for e in entries where e.label != NodeLog.attackSent {
            let server = e.node?.description ?? "?"
            let call = e["call"] ?? "?"
            let from = e.name("from")
            if e.label == NodeLog.backendRejected {
                rejectedCount += 1
                if e["group"] == groupID {
                    failures.append("\(server) rejected \(call) from \(from?.description ?? "?") carrying the right group at \(e.at)")
                    if firstMarks.isEmpty { firstMarks = [Counterexample.Mark(e.event, role: "rejected with the right group")] }
                }
                if let from { rejections[from, default: []].append(e) }
                let explained = from.flatMap { attacks[$0]?.first }.map { $0.event.seq <= e.event.seq } ?? false
                if !explained {
                    failures.append("\(server) rejected \(call) from \(from?.description ?? "?"), which sent no wrong-group attack before it, at \(e.at)")
                    if firstMarks.isEmpty { firstMarks = [Counterexample.Mark(e.event, role: "rejected, no attack sent")] }
                }
            } else {
                if let from, attacks[from] != nil {
                    failures.append("\(server) executed \(call) from attacker \(from) at \(e.at)")
                    if firstMarks.isEmpty {
                        firstMarks = (attacks[from]!.last(where: { $0.at <= e.at }).map { [Counterexample.Mark($0.event, role: "attack sent")] } ?? [])
                            + [Counterexample.Mark(e.event, role: "executed for the attacker")]
                    }
                } else if let group = e["group"], group != groupID {
                    failures.append("\(server) executed \(call) with group \(group) at \(e.at)")
                    if firstMarks.isEmpty { firstMarks = [Counterexample.Mark(e.event, role: "executed with group \(group)")] }
                }
            }
        }
        var dropped = 0
        let droppedIDs = run.droppedMessageIDs(among: Set(attacks.values.joined().compactMap { $0.number("id") }))
        for attacker in attacks.keys.sorted() {
            var delivered: [NodeEntry] = []
            for attack in attacks[attacker] ?? [] {
                if let id = attack.number("id"), droppedIDs.contains(id) { dropped += 1 } else { delivered.append(attack) }
            }
            for attack in AttackMatching.unanswered(delivered, answers: rejections[attacker] ?? []) {
                failures.append("wrong-group attack \(attack["id"] ?? "?") by \(attacker) at \(attack.at) never rejected")
                if firstMarks.isEmpty { firstMarks = [Counterexample.Mark(attack.event, role: "attack sent, never rejected")] }
            }
        }
        let summary = "wrong-group attacks \(attackCount), rejected \(rejectedCount); exceptions: "
            + Detail.counts([("attack-dropped", dropped)])
        if failures.isEmpty { return pass(summary) }
        let example = firstMarks.isEmpty ? nil : Counterexample(kind: .unexplained, summary: failures[0], marks: firstMarks)
        return fail(summary + "; \(failures.count) failures: " + Detail.list(failures)).with(example)
    }
}
