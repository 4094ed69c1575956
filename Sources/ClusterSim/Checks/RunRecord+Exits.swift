import NetModel
import Nodes

/// A node that ended itself: its supervisor ended the process after the manager fenced it
/// (`ClusterRun.supervise`), which the trace shows as a `fault exit(NAME)` marker and a crash. The
/// cluster's own protection, not the experiment's fault: a live node removed because the network
/// lost its pings exits like this too.
package struct NodeExit: Sendable, Equatable {
    /// The node that exited.
    package let node: NodeName
    /// When it exited (its `crash` event).
    package let at: VirtualInstant
    /// Whether the node was only removed by the manager for silence and kept running
    /// (``RunRecord/silentRemovals()``), rather than ended by its supervisor.
    package var removed = false

    /// The detail of the `fault` event the simulated runner records just before an exit's crash:
    /// `exit(frontend-2)`. Written by `ClusterRun.supervise` and read by ``RunRecord/exits()``.
    package static func marker(for node: NodeName) -> String { "exit(\(node))" }
}

extension RunRecord {
    /// The time the cluster is given to recover from a disruption before the end-of-run checks
    /// judge the part it touched: failure detection, a fenced node's supervisor restarting it
    /// (`supervisorDelay`), re-registration, re-syncs, clients reconnecting after their backoff.
    package static let recoveryBound: Duration = .seconds(10)

    /// The exits of the run, in trace order: every `crash` event that the simulated runner's exit
    /// marker (a `fault` event whose detail is ``NodeExit/marker(for:)`` of that node, recorded
    /// just before it at the same instant by `ClusterRun.supervise`) announces. A planned crash is
    /// announced by its fault action instead, and a real-network run has no exits (a fenced node
    /// stays up there, serving nothing).
    package func exits() -> [NodeExit] {
        var exits: [NodeExit] = []
        var marker: (detail: String, at: VirtualInstant)?
        for position in positions(of: [.fault, .crash]) {
            let event = events[position]
            if event.kind == .fault {
                marker = (event.fields.description, event.at)
                continue
            }
            if let node = event.node, let m = marker, m.at == event.at, m.detail == NodeExit.marker(for: node) {
                exits.append(NodeExit(node: node, at: event.at))
            }
            marker = nil
        }
        return exits
    }

    /// The running nodes the manager removed for silence: each `node-removed reason=pingTimeout`
    /// of a node with no crash from its last ping heard (`last-heard-ns`) to the end of the run.
    /// The network lost its pings (or a partition or a pause kept them from the manager); the node
    /// kept running, and registers again when it learns. (A node that crashed was removed because
    /// it was down: that is its crash's disturbance, judged as before; a fenced node that exits
    /// is an exit.)
    package func silentRemovals() -> [NodeExit] {
        let crashes = positions(of: [.crash]).map { events[$0] }
        return nodeEvents(NodeLog.nodeRemoved).compactMap { e in
            guard e["reason"] == RemovalReason.pingTimeout.rawValue, let node = e.name("name") else { return nil }
            let lastHeard = e.number("last-heard-ns").map { VirtualInstant(nanoseconds: Int64(clamping: $0)) } ?? e.at
            if crashes.contains(where: { $0.node == node && $0.at >= lastHeard }) { return nil }
            return NodeExit(node: node, at: e.at, removed: true)
        }
    }

    /// The exits and silent removals less than ``recoveryBound`` before the end of the run, in
    /// time order: the cluster was still recovering from what it did itself when the run stopped.
    package func exitsInRecovery() -> [NodeExit] {
        (exits() + silentRemovals()).filter { $0.at <= end && $0.at.duration(to: end) < Self.recoveryBound }
            .sorted { $0.at < $1.at }
    }

    /// `frontend-2 at 69.004s` for each exit, joined, then `, N.NNNs before the end; recovery bound 10.000s`
    /// measured from the earliest.
    static func describe(_ exits: [NodeExit], end: VirtualInstant) -> String {
        let first = exits.map(\.at).min() ?? end
        return exits.map { "\($0.node) \($0.removed ? "removed " : "")at \($0.at)" }.joined(separator: ", ")
            + ", \(formatNanoseconds(first.duration(to: end).nanosecondsClamped)) before the end"
            + "; recovery bound \(formatNanoseconds(recoveryBound.nanosecondsClamped))"
    }
}
