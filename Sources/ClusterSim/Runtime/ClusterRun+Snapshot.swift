import NetModel
import Nodes

extension ClusterRun {
    /// The cluster's final state, read from the live node actors after the run.
    public func snapshot() -> ClusterSnapshot {
        var liveServers: [NodeName] = []
        var registry: [NodeName]?
        var sessionEntries: [SessionRow]?
        var streams: [StreamRow] = []
        var clients: [ClientRow] = []
        for name in nodes.keys.sorted() {
            let node = nodes[name]!
            switch node {
            case let m as ManagementNode:
                liveServers.append(name)
                registry = simulator.inspect(m) { $0.registeredNodes }.filter { $0.role != .management }
            case let s as SessionNode:
                if simulator.inspect(s, { $0.isServing }) { liveServers.append(name) }
                sessionEntries = simulator.inspect(s) { node in
                    node.entries.map { SessionRow(user: $0.user, frontend: $0.entry.frontend,
                                                  connection: $0.entry.connection) }
                }
            case let f as FrontendNode:
                guard simulator.inspect(f, { $0.isServing }) else { continue }
                liveServers.append(name)
                streams += simulator.inspect(f) { node in
                    node.openPushStreams.map { StreamRow(frontend: name, user: $0.user, connection: $0.connection) }
                }
            case let c as ClientNode:
                let plan = plans[name]!
                clients.append(simulator.inspect(c) { node in
                    ClientRow(client: name, user: plan.user, connected: node.isConnected, frontend: node.pushFrontend,
                              lastRequestOK: node.lastRequestSucceeded, retired: false)
                })
            default:
                if simulator.inspect(node, { $0.isServing }) { liveServers.append(name) }
            }
        }
        return ClusterSnapshot(liveServers: liveServers, registry: registry, sessionEntries: sessionEntries,
                               frontendStreams: streams.sorted(), clients: clients.sorted())
    }

    /// The record checkers and metrics read.
    public func record() -> RunRecord {
        let events = simulator.trace.events
        let lastFault = events.indices.reversed().first { i in
            switch events[i].kind {
            case .crash, .restart, .partition, .heal, .pause, .resume, .clockOffset, .fault: true
            default: false
            }
        }
        return RunRecord(experiment: experiment, events: events, snapshot: snapshot(),
                         endOfLoad: endOfLoad, end: end, lastFault: lastFault.map { events[$0].at })
    }
}
