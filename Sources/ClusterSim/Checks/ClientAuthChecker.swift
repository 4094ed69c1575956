import NetModel
import Nodes

/// `client-auth`: frontends serve no request without a valid token.
///
/// The trace does not link a request to the token it carried, so the rule is stated on what it
/// does link. Attacks are the `attack-sent kind=forged-token` and `kind=expired-token` events a
/// misbehaving client logs; the attacker is the client that logged them.
///
/// Property, two rules:
/// 1. Every token attack is refused: an attacker's attacks, in order, are matched with the
///    `request-rejected client=<attacker>` events after them whose `reason` mentions `token`
///    (case-insensitive; each rejection answers one attack). So token rejections ≥ attacks, per
///    attacker and in time.
/// 2. No attacked service is served to the attacker: there is no `request-served client=X
///    service=S` after X's first attack, where S is a service X used for attacks — named by the
///    attack's `service=` field, else the checker's `attackService`. (The runner keeps that
///    service for attacks only on attacker clients; without either, rule 2 checks nothing.)
///
/// When frontends log the request id (`req=`, as they do), an attack is matched exactly: it passes
/// rule 1 when a frontend refused that request for its token, and is not judged when no frontend
/// logged serving or refusing it (lost on a hop — a gateway's forward has its own message id — or
/// refused before any frontend). A trace without `req=` falls back to the matching below.
///
/// Allowed exceptions (counted, and left out of the matching): an attack whose message the network
/// dropped (a `drop` event with the attack's `id=` as message id, sent by or to the attacker), and
/// an attack that never reached a frontend able to judge it — no frontend logged it, a frontend
/// refused the same `req=` as `not-serving` (before looking at its token), or the attacker's
/// `client-reply` for the same `req=` is an error that is not about the token
/// (`frontend-unavailable`, `no-frontend`, `not-serving`).
///
/// Detail: `token attacks A, token rejections R; exceptions: attack-dropped=N; failures: …` with
/// the first few (`client-4 served State at 5.000s after a token attack`).
package struct ClientAuthChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .clientAuth }
    /// The service attacks use when an attack does not name one.
    package var attackService: String?

    /// Makes the checker.
    package init(attackService: String? = nil) {
        self.attackService = attackService
    }

    static let attackKinds: Set<String> = ["forged-token", "expired-token"]

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the attack, answer and service events.
    func makeScan() -> any TraceScan<CheckResult> { Scan(checker: self) }

    /// The verdict on a finished scan: each attacker's attacks, less the excused ones, matched with
    /// its token rejections.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        let attacks = scan.attacks, rejections = scan.rejections, undelivered = scan.undelivered
        var failures = scan.failures
        var firstMarks = scan.firstServed ?? []
        var dropped = 0, notJudged = 0
        let droppedIDs = run.droppedMessageIDs(among: Set(attacks.values.joined().compactMap { $0.number("id") }))
        for attacker in attacks.keys.sorted() {
            var judged: [NodeEntry] = []
            for attack in attacks[attacker] ?? [] {
                let request = attack.number("req").map { Scan.Request(client: attacker, req: $0) }
                if let request, scan.tokenRejected.contains(request) {
                    continue   // refused for its token: rule 1 holds for it
                }
                if let request, scan.anyReached, !scan.reached(request) {
                    notJudged += 1   // no frontend ever saw it (lost on a hop, or refused before one)
                } else if let id = attack.number("id"), droppedIDs.contains(id) {
                    dropped += 1
                } else if let req = attack["req"], undelivered.contains("\(attacker)#\(req)") {
                    notJudged += 1
                } else {
                    judged.append(attack)
                }
            }
            for attack in AttackMatching.unanswered(judged, answers: rejections[attacker] ?? []) {
                failures.append("\(attack["kind"] ?? "token") attack \(attack["id"] ?? "?") by \(attacker) at \(attack.at) never rejected")
                if firstMarks.isEmpty { firstMarks = [Counterexample.Mark(attack.event, role: "attack sent, never rejected")] }
            }
        }
        let summary = "token attacks \(scan.attackCount), token rejections \(scan.rejectedCount); exceptions: "
            + Detail.counts([("attack-dropped", dropped), ("attack-undelivered", notJudged)])
        if failures.isEmpty { return pass(summary) }
        let example = firstMarks.isEmpty ? nil : Counterexample(kind: .unexplained, summary: failures[0], marks: firstMarks)
        return fail(summary + "; \(failures.count) failures: " + Detail.list(failures)).with(example)
    }
}
