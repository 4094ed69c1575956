import NetModel

/// A node that ended itself: its supervisor ended the process after the manager fenced it
/// (`ClusterRun.supervise`), which the trace shows as a crash that no planned fault explains. The
/// cluster's own protection, not the experiment's fault: a live node removed because the network
/// lost its pings exits like this too.
package struct NodeExit: Sendable, Equatable {
    /// The node that exited.
    package let node: NodeName
    /// When it exited (its `crash` event).
    package let at: VirtualInstant
}

extension RunRecord {
    /// The time the cluster is given to recover from a disruption before the end-of-run checks
    /// judge the part it touched: failure detection, a fenced node's supervisor restarting it
    /// (`supervisorDelay`), re-registration, re-syncs, clients reconnecting after their backoff.
    package static let recoveryBound: Duration = .seconds(10)

    /// The exits of the run: every `crash` event that is not a planned `crash` fault of that node
    /// at that instant, in trace order.
    package func exits() -> [NodeExit] {
        var planned: [NodeName: [VirtualInstant]] = [:]
        for fault in experiment.faults {
            if case .crash(let name, _) = fault.action {
                planned[name, default: []].append(VirtualInstant.zero.advanced(by: fault.at))
            }
        }
        return positions(of: [.crash]).compactMap { position in
            let event = events[position]
            guard let node = event.node, planned[node]?.contains(event.at) != true else { return nil }
            return NodeExit(node: node, at: event.at)
        }
    }

    /// The exits less than ``recoveryBound`` before the end of the run: the cluster was still
    /// recovering from them when the run stopped.
    package func exitsInRecovery() -> [NodeExit] {
        exits().filter { $0.at <= end && $0.at.duration(to: end) < Self.recoveryBound }
    }

    /// `frontend-2 at 69.004s` for each exit, joined, then `, N.NNNs before the end; recovery bound 10.000s`
    /// measured from the earliest.
    static func describe(_ exits: [NodeExit], end: VirtualInstant) -> String {
        let first = exits.map(\.at).min() ?? end
        return exits.map { "\($0.node) at \($0.at)" }.joined(separator: ", ")
            + ", \(formatNanoseconds(first.duration(to: end).nanosecondsClamped)) before the end"
            + "; recovery bound \(formatNanoseconds(recoveryBound.nanosecondsClamped))"
    }
}
