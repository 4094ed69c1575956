import NetModel
import Nodes

extension ClusterRun {
    /// Plans every client and schedules its start: evenly over `rampUp`.
    func scheduleWorkload() {
        var rng = simulator.random(stream: "workload")
        for client in ClusterBlueprint.planClients(experiment, services: services, rng: &rng) {
            plans[client.name] = client.plan
            let name = client.name
            simulator.schedule(at: VirtualInstant.zero.advanced(by: client.start)) { [self] in spawn(name) }
        }
    }

    /// Schedules the faults in time order (ties in file order).
    func scheduleFaults() {
        for fault in ClusterBlueprint.orderedFaults(experiment) {
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
