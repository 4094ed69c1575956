import NetModel
import Nodes

/// What an experiment's run is made of, whatever runs it (the simulator or the real runtime):
/// the node actors by role, the clients' plans and start times, the faults in time order, and
/// the record checkers read. Shared so the two runtimes cannot drift apart.
package enum ClusterBlueprint {
    /// One client of the workload: its name, when it starts and what it does.
    package struct ClientStart: Sendable {
        /// The client's node name.
        package var name: NodeName
        /// Time from the run's start.
        package var start: Duration
        /// What it does.
        package var plan: ClientPlan
    }

    /// Plans every client of `experiment` with the `workload` stream `rng`: starts spread evenly
    /// over `rampUp`, chat rooms for the first `rooms × membersPerRoom`, a second-device login for
    /// the `duplicateLogins` fraction, attacks for the last `attacks.clients`.
    /// - Returns: the clients in name order (the order of their draws).
    package static func planClients(_ experiment: Experiment, services: ServiceRegistry = .standard,
                                   rng: inout SeededRandom) -> [ClientStart] {
        let w = experiment.workload
        guard w.clients > 0 else { return [] }
        let users = (1...w.clients).map { "user-\($0)" }
        let frontends = (1...experiment.cluster.frontends).map { NodeName(.frontend, $0) }
        let gateway = experiment.cluster.gateway ? NodeName(.gateway, 1) : nil
        let chatMembers = w.chat.map { $0.rooms * $0.membersPerRoom } ?? 0
        let endOfLoad = VirtualInstant.zero.advanced(by: experiment.duration)
        var out: [ClientStart] = []
        out.reserveCapacity(w.clients)
        for i in 0..<w.clients {
            let name = NodeName(.client, i + 1)
            let start = w.clients > 1 ? w.rampUp * (Double(i) / Double(w.clients)) : .zero
            var room: String?
            var creates = false
            if let chat = w.chat, i < chatMembers {
                room = "room-\(i / chat.membersPerRoom + 1)"
                creates = i % chat.membersPerRoom == 0
            }
            var dup: Duration?
            if rng.chance(w.duplicateLogins) {
                let span = max(0, (experiment.duration - start - .seconds(2)).nanosecondsClamped)
                dup = .seconds(1) + .nanoseconds(span > 0 ? Int64(rng.next() % UInt64(span)) : 0)
            }
            let chatRate = room == nil ? 0 : (w.chat?.messageRate.perSecond ?? 0)
            var plan: ClientPlan
            if let first = out.first?.plan {
                // The fields every client has alike stay in the first plan's box, shared.
                plan = first.forClient(user: users[i], userIndex: i, chatRoom: room, createsRoom: creates,
                                       chatRate: chatRate, duplicateLoginAfter: dup)
            } else {
                plan = ClientPlan(user: users[i], users: users, userIndex: i, frontends: frontends, gateway: gateway,
                                  requestRate: w.requestRate.perSecond, pushRate: w.pushRate.perSecond,
                                  chatRoom: room, createsRoom: creates, chatRate: chatRate, duplicateLoginAfter: dup)
                plan.loadEndsAt = endOfLoad.nanoseconds
                plan.serviceLoads = w.services.map { ($0.service, $0.rate.perSecond) }
                plan.services = services
            }
            if let attacks = w.attacks, i >= w.clients - attacks.clients {
                plan.attackRate = attacks.rate.perSecond
            }
            out.append(ClientStart(name: name, start: start, plan: plan))
        }
        return out
    }

    /// The experiment's faults in time order (ties in file order).
    package static func orderedFaults(_ experiment: Experiment) -> [Fault] {
        experiment.faults.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
    }

    /// A fresh node actor for `name` in `env` (a client needs its `plan`; frontends and the
    /// session node serve `services`). `spares`: the recycled action lists shared by the nodes of
    /// one thread (a simulated run's); nil for a node with its own.
    package static func makeNode(_ name: NodeName, env: any NodeEnvironment, plan: ClientPlan?,
                                services: ServiceRegistry = .standard,
                                plantedBugs: PlantedBugs = PlantedBugs(),
                                spares: SharedActionSpares? = nil) -> any ClusterNode {
        switch name.role {
        case .management: ManagementNode(env: env)
        case .session: SessionNode(env: env, services: services, forgetConnectionOnLogout: plantedBugs.sessionIgnoresConnection)
        case .frontend: FrontendNode(env: env, services: services)
        case .chat: ChatNode(env: env)
        case .gateway: GatewayNode(env: env)
        case .client: ClientNode(env: env, plan: plan!, spares: spares)
        case .chatDoor: ChatDoorNode(env: env, sink: { _ in })   // a real door gets its server's sink (ClusterChatBackend)
        }
    }

    /// The record of a finished run: its events, final state and phase boundaries; the last
    /// fault is the last fault-kind event of the trace.
    package static func record(_ experiment: Experiment, events: [TraceEvent], snapshot: ClusterSnapshot,
                              endOfLoad: VirtualInstant, end: VirtualInstant) -> RunRecord {
        record(experiment, events: events, index: NodeEventIndex(events), snapshot: snapshot, endOfLoad: endOfLoad,
               end: end)
    }

    /// The record of a finished run whose index was built as the run went on.
    static func record(_ experiment: Experiment, events: [TraceEvent], index: NodeEventIndex,
                       snapshot: ClusterSnapshot, endOfLoad: VirtualInstant, end: VirtualInstant,
                       retention: TraceRetention = .everything) -> RunRecord {
        let faultKinds: [TraceKind] = [.crash, .restart, .partition, .heal, .pause, .resume, .clockOffset, .fault]
        let lastFault = faultKinds.compactMap { index.kindPositions[$0]?.last }.max().map { events[$0].at }
        return RunRecord(experiment: experiment, events: events, index: index, snapshot: snapshot,
                         endOfLoad: endOfLoad, end: end, lastFault: lastFault, retention: retention)
    }
}
