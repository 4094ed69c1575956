import NetModel
import Nodes

extension RealClusterRun {
    /// Applies one fault at its real instant (control thread), recorded as the simulator records it.
    func apply(_ action: FaultAction, at: VirtualInstant) {
        let trace = runtime.trace
        trace.record(.fault, node: nil, peer: nil, messageID: 0, label: "fault", detail: "\(action)")
        switch action {
        case .crash(let name, let after):
            crash(name)
            if let after { self.at(at.advanced(by: after).durationSinceZero) { [self] in restart(name) } }
        case .restart(let name):
            restart(name)
        case .partition(let groups, let oneWay, let heal):
            let p = Partition(groups: groups, oneWay: oneWay)
            let id = nextPartitionID
            nextPartitionID += 1
            partitions.add(id, p)
            trace.record(.partition, node: nil, peer: nil, messageID: UInt64(id), label: "partition", detail: p.summary)
            applyCutLinks()
            let until = heal.map { at.advanced(by: $0) } ?? endOfLoad
            self.at(until.durationSinceZero) { [self] in
                partitions.remove(id)
                trace.record(.heal, node: nil, peer: nil, messageID: UInt64(id), label: "heal", detail: p.summary)
                applyCutLinks()
            }
        case .pause(let name, let resumeAfter):
            guard let host = nodes[name] else { return }
            host.pause()
            trace.record(.pause, node: name, peer: nil, messageID: 0, label: "pause", detail: "")
            self.at(at.advanced(by: resumeAfter).durationSinceZero) { [self] in
                guard let now = nodes[name], now === host else { return }
                trace.record(.resume, node: name, peer: nil, messageID: 0, label: "resume",
                             detail: "\(host.env.mailbox.pendingCount) held")
                host.resume()
            }
        case .clockOffset(let name, let by):
            runtime.setClockOffset(of: name, to: by)
        }
    }

    /// Hands the links the partitions in force cut to the fabric (which drops their traffic) and
    /// to the runtime (which records those drops).
    private func applyCutLinks() {
        let links = partitions.cutLinks
        runtime.setCutLinks(links)
        fabric.setCutLinks(links)
    }

    /// Crashes `name`: its actor, timers and queued traffic are gone, its sockets closed.
    func crash(_ name: NodeName) {
        guard let host = nodes.removeValue(forKey: name) else { return }
        host.crash { runtime.trace.record(.crash, node: name, peer: nil, messageID: 0, label: "crash", detail: "") }
    }

    /// Starts a fresh incarnation of a crashed node.
    func restart(_ name: NodeName) {
        guard nodes[name] == nil else { return }
        runtime.trace.record(.restart, node: name, peer: nil, messageID: 0, label: "restart", detail: "")
        spawn(name)
    }
}

extension VirtualInstant {
    /// The instant as a duration from zero.
    var durationSinceZero: Duration { .nanoseconds(nanoseconds) }
}
