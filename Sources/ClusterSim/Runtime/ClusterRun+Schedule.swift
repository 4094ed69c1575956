import NetModel
import Nodes

extension ClusterRun {
    /// Plans every client and schedules its start: evenly over `rampUp`.
    func scheduleWorkload() {
        let w = experiment.workload
        guard w.clients > 0 else { return }
        var rng = simulator.random(stream: "workload")
        let users = (1...w.clients).map { "user-\($0)" }
        let frontends = (1...experiment.cluster.frontends).map { NodeName(.frontend, $0) }
        let gateway = experiment.cluster.gateway ? NodeName(.gateway, 1) : nil
        let chatMembers = w.chat.map { $0.rooms * $0.membersPerRoom } ?? 0
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
            plans[name] = ClientPlan(user: users[i], users: users, frontends: frontends, gateway: gateway,
                                     requestRate: w.requestRate.perSecond, pushRate: w.pushRate.perSecond,
                                     chatRoom: room, createsRoom: creates,
                                     chatRate: room == nil ? 0 : (w.chat?.messageRate.perSecond ?? 0),
                                     duplicateLoginAfter: dup)
            plans[name]!.loadEndsAt = endOfLoad.nanoseconds
            if let attacks = w.attacks, i >= w.clients - attacks.clients {
                plans[name]!.attackRate = attacks.rate.perSecond
            }
            simulator.schedule(at: VirtualInstant.zero.advanced(by: start)) { [self] in spawn(name) }
        }
    }

    /// Schedules the faults in time order (ties in file order).
    func scheduleFaults() {
        let ordered = experiment.faults.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        for (_, fault) in ordered {
            let at = VirtualInstant.zero.advanced(by: fault.at)
            simulator.schedule(at: at) { [self] in apply(fault.action, at: at) }
        }
    }

    private func apply(_ action: FaultAction, at: VirtualInstant) {
        simulator.trace.record(.fault, node: nil, peer: nil, messageID: 0, label: "fault", detail: "\(action)")
        switch action {
        case .crash(let name, let after):
            crash(name)
            if let after { simulator.schedule(after: after) { [self] in restart(name) } }
        case .restart(let name):
            restart(name)
        case .partition(let groups, let oneWay, let heal):
            let id = network.partition(Partition(groups: groups, oneWay: oneWay))
            let until = heal.map { at.advanced(by: $0) } ?? endOfLoad
            simulator.schedule(at: until) { [self] in network.heal(id) }
        case .pause(let name, let resumeAfter):
            pause(name)
            simulator.schedule(after: resumeAfter) { [self] in resume(name) }
        case .clockOffset(let name, let by):
            simulator.setClockOffset(of: name, to: by)
        }
    }
}
