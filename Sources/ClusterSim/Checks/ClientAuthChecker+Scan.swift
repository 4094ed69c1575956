import NetModel
import Nodes

extension ClientAuthChecker {
    /// The trace pass of `client-auth`: each attacker's token attacks and token rejections in
    /// order, the requests answered by an error that is not about the token, and the services
    /// served to an attacker after it attacked them (rule 2, decided in trace order). Which attacks
    /// the network dropped is read from the record by ``ClientAuthChecker/verdict(_:run:)``.
    struct Scan: TraceScan {
        /// The checker's configuration.
        let checker: ClientAuthChecker
        var labels: Set<String> {
            [NodeLog.attackSent, NodeLog.requestRejected, NodeLog.requestServed, NodeLog.clientReply]
        }

        /// `client#req` of the requests answered by an error that is not about the token.
        private(set) var undelivered: Set<String> = []
        /// Each attacker's token attacks, in order.
        private(set) var attacks: [NodeName: [NodeEntry]] = [:]
        /// Each attacker's attacked services so far.
        private var services: [NodeName: Set<String>] = [:]
        /// A client's request, by its id.
        struct Request: Hashable, Sendable {
            let client: NodeName
            let req: UInt64
        }
        /// Per client, the ids of its requests a frontend served or refused (they reached a
        /// frontend): ranges, since a client's request ids mostly come in runs.
        private var reachedIDs = DenseTable<NodeName, IDRanges>()
        /// Whether any request reached a frontend (a trace whose frontends log `req=`).
        private(set) var anyReached = false
        /// Every request a frontend refused for its token.
        private(set) var tokenRejected: Set<Request> = []
        /// Each attacker's token rejections, in order.
        private(set) var rejections: [NodeName: [NodeEntry]] = [:]
        /// Services served after an attack on them, in trace order.
        private(set) var failures: [String] = []
        /// The first request served after a token attack: the attack and the serving.
        private(set) var firstServed: [Counterexample.Mark]?
        private(set) var attackCount = 0, rejectedCount = 0

        init(checker: ClientAuthChecker) {
            self.checker = checker
        }

        mutating func observe(_ e: NodeEntry) {
            switch e.label {
            case NodeLog.attackSent:
                guard let kind = e["kind"], ClientAuthChecker.attackKinds.contains(kind), let client = e.node else { return }
                attackCount += 1
                attacks[client, default: []].append(e)
                if let service = e["service"] ?? checker.attackService { services[client, default: []].insert(service) }
            case NodeLog.requestRejected:
                guard let client = e.name("client") else { return }
                let request = e.number("req").map { Request(client: client, req: $0) }
                if let request { reach(request) }
                // Refused before its token was looked at (the frontend was not serving): the
                // attack never met a frontend able to judge it, whether or not its answer arrived.
                if e["reason"] == Refusal.notServing.label, let req = e["req"] { undelivered.insert("\(client)#\(req)") }
                guard (e["reason"] ?? "").lowercased().contains("token") else { return }
                if let request { tokenRejected.insert(request) }
                rejectedCount += 1
                rejections[client, default: []].append(e)
            case NodeLog.clientReply:
                if e["result"] == "error", let reason = e["reason"], !reason.lowercased().contains("token"),
                   let client = e.node, let req = e["req"] {
                    undelivered.insert("\(client)#\(req)")
                }
            default:
                if let client = e.name("client"), let req = e.number("req") { reach(Request(client: client, req: req)) }
                guard let client = e.name("client"), let service = e["service"],
                      services[client]?.contains(service) == true else { return }
                failures.append("\(e.node?.description ?? "?") served \(service) to \(client) at \(e.at) after a token attack")
                if firstServed == nil {
                    firstServed = (attacks[client]?.last.map { [Counterexample.Mark($0.event, role: "token attack sent")] } ?? [])
                        + [Counterexample.Mark(e.event, role: "served after the attack")]
                }
            }
        }

        /// Records that `request` reached a frontend.
        private mutating func reach(_ request: Request) {
            reachedIDs[request.client, default: IDRanges()].insert(request.req)
            anyReached = true
        }

        /// Whether `request` reached a frontend (a frontend served or refused it).
        func reached(_ request: Request) -> Bool { reachedIDs[request.client]?.contains(request.req) ?? false }

        func finish(run: RunRecord) -> CheckResult { checker.verdict(self, run: run) }
    }
}
