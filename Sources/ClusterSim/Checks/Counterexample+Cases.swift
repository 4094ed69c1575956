import NetModel
import Nodes

extension RunRecord {
    /// The last `limit` session-map events about `user` (`session-login`, `session-logout`,
    /// `session-kick`, the frontends' `stream-accepted` and `stream-ended`) as marks, in trace order.
    func sessionHistory(of user: String, limit: Int = 6) -> [Counterexample.Mark] {
        let labels: Set<String> = [NodeLog.sessionLogin, NodeLog.sessionLogout, NodeLog.sessionKick,
                                   NodeLog.streamAccepted, NodeLog.streamEnded]
        return counterexampleEvents(labels).filter { $0["user"] == user }.suffix(limit).map { e in
            Counterexample.Mark(e.event, role: e.label)
        }
    }

    /// The last `limit` connection events of `client` (`client-connected`, `client-disconnected`,
    /// `client-reply`) as marks, in trace order.
    func connectionHistory(of client: NodeName, limit: Int = 6) -> [Counterexample.Mark] {
        counterexampleEvents([NodeLog.clientConnected, NodeLog.clientDisconnected, NodeLog.clientReply])
            .filter { $0.node == client }.suffix(limit).map { Counterexample.Mark($0.event, role: $0.label) }
    }

    /// The slowest frontend failover as crash → detection (`node-removed`) → the last affected
    /// client's reconnect, or nil when no frontend crashed.
    func slowestFailover() -> Counterexample? {
        let crashes = positions(of: [.crash]).filter { events[$0].node?.role == .frontend }
        guard !crashes.isEmpty else { return nil }
        let removals = counterexampleEvents(NodeLog.nodeRemoved)
        let connections = counterexampleEvents(NodeLog.clientConnected)
        var best: (took: Duration, marks: [Counterexample.Mark], frontend: NodeName)?
        for c in crashes {
            let crash = events[c], frontend = crash.node!
            // Clients whose last connection before the crash was on it.
            var last: [NodeName: NodeName] = [:]
            for e in connections where e.event.seq <= crash.seq {
                if let client = e.node, let f = e.name("frontend") { last[client] = f }
            }
            var waiting = Set(last.filter { $0.value == frontend }.keys)
            var marks = [Counterexample.Mark(crash, role: "crash")]
            if let removed = removals.first(where: { $0.event.seq > crash.seq && $0.name("name") == frontend }) {
                marks.append(Counterexample.Mark(removed.event, role: "detected: removed from the registry"))
            }
            var back: NodeEntry?
            for e in connections where e.event.seq > crash.seq && !waiting.isEmpty {
                guard let client = e.node, e.name("frontend") != frontend, waiting.remove(client) != nil else { continue }
                back = e
            }
            guard let back else { continue }
            marks.append(Counterexample.Mark(back.event, role: "last affected client reconnected"))
            let took = crash.at.duration(to: back.at)
            if best == nil || took > best!.took { best = (took, marks, frontend) }
        }
        guard let best else { return nil }
        return Counterexample(kind: .slow, summary: "\(best.frontend) crashed; its last client was back after \(best.took)",
                              marks: best.marks, subject: .node(best.frontend))
    }
}

extension RunRecord {
    /// The last `limit` events of `node`'s membership as marks, in trace order: its crashes and
    /// restarts, its `registered` and `fenced`, and the manager's `node-joined` and `node-removed`
    /// naming it.
    func registryHistory(of node: NodeName, limit: Int = 8) -> [Counterexample.Mark] {
        let own = positions(of: [.crash, .restart]).filter { events[$0].node == node }.map { Counterexample.Mark(events[$0], role: "\(events[$0].kind)") }
        let logged = counterexampleEvents([NodeLog.registered, NodeLog.fenced, NodeLog.nodeJoined, NodeLog.nodeRemoved])
            .filter { $0.node == node || $0.name("name") == node }.map { Counterexample.Mark($0.event, role: $0.label) }
        return Array((own + logged).sorted { $0.seq < $1.seq }.suffix(limit))
    }
}
