import NetModel
import Nodes

/// Reads a node actor's state from outside it, on its own executor: the simulator by becoming its
/// driver thread, the real runtime by running on the node's serial thread and waiting.
package protocol NodeInspector {
    /// Runs `body` isolated to `node`.
    /// - Returns: what `body` returns.
    func inspect<N: ClusterNode, T>(_ node: N, _ body: (isolated N) -> T) -> T
}

extension ClusterSnapshot {
    /// The cluster's state read from its live node actors (by name) through `inspector`.
    /// - Returns: the snapshot checkers read; clients need their plans (for their users).
    package static func capture(nodes: [NodeName: any ClusterNode], plans: [NodeName: ClientPlan],
                               inspector: some NodeInspector) -> ClusterSnapshot {
        capture(names: nodes.keys.sorted(), node: { nodes[$0]! }, plan: { plans[$0] }, inspector: inspector)
    }

    /// The cluster's state read from the live node actors `names` (sorted), each found by `node`,
    /// through `inspector`; a client's plan is found by `plan`.
    /// - Returns: the snapshot checkers read.
    package static func capture(names: [NodeName], node nodeNamed: (NodeName) -> any ClusterNode,
                               plan planOf: (NodeName) -> ClientPlan?,
                               inspector: some NodeInspector) -> ClusterSnapshot {
        var liveServers: [NodeName] = []
        var registry: [NodeName]?
        var sessionEntries: [SessionRow]?
        var streams: [StreamRow] = []
        var clients: [ClientRow] = []
        var chatMembers: [ChatMemberRow]?
        for name in names {
            let node = nodeNamed(name)
            switch node {
            case let m as ManagementNode:
                liveServers.append(name)
                registry = inspector.inspect(m) { $0.registeredNodes }.filter { $0.role != .management }
            case let s as SessionNode:
                if inspector.inspect(s, { $0.isServing }) { liveServers.append(name) }
                sessionEntries = inspector.inspect(s) { node in
                    node.entries.map { SessionRow(user: $0.user, frontend: $0.entry.frontend,
                                                  connection: $0.entry.connection) }
                }
            case let f as FrontendNode:
                guard inspector.inspect(f, { $0.isServing }) else { continue }
                liveServers.append(name)
                streams += inspector.inspect(f) { node in
                    node.openPushStreams.map { StreamRow(frontend: name, user: $0.user, connection: $0.connection) }
                }
            case let c as ChatNode:
                let (serving, rooms) = inspector.inspect(c) { ($0.isServing, $0.roomList) }
                guard serving else { continue }
                liveServers.append(name)
                chatMembers = (chatMembers ?? []) + rooms.flatMap { room in
                    room.members.map { ChatMemberRow(room: room.roomID, user: $0) }
                }
            case let c as ClientNode:
                let plan = planOf(name)!
                clients.append(inspector.inspect(c) { node in
                    ClientRow(client: name, user: plan.user, connected: node.isConnected, frontend: node.pushFrontend,
                              lastRequestOK: node.lastRequestSucceeded, retired: false)
                })
            default:
                if isServing(node, inspector) { liveServers.append(name) }
            }
        }
        return ClusterSnapshot(liveServers: liveServers, registry: registry, sessionEntries: sessionEntries,
                               frontendStreams: streams.sorted(), clients: clients.sorted(), chatMembers: chatMembers)
    }

    private static func isServing<N: ClusterNode>(_ node: N, _ inspector: some NodeInspector) -> Bool {
        inspector.inspect(node) { $0.isServing }
    }
}

/// The simulator as a `NodeInspector`.
struct SimulatorInspector: NodeInspector {
    let simulator: Simulator
    func inspect<N: ClusterNode, T>(_ node: N, _ body: (isolated N) -> T) -> T {
        simulator.inspect(node, body)
    }
}
