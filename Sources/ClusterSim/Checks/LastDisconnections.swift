import NetModel
import Nodes

/// Each client's last `client-disconnected` (its instant and the frontend it named), read by the
/// end-state checks' scans to tell a client still recovering from a frontend's exit.
struct LastDisconnections: Sendable {
    /// Client → the instant of its last `client-disconnected` and the frontend it named.
    private var table = DenseTable<NodeName, (at: VirtualInstant, frontend: NodeName?)>()

    /// No disconnection yet.
    init() {}

    /// Takes a `client-disconnected` event.
    mutating func observe(_ e: NodeEntry) {
        guard let client = e.node else { return }
        table[client] = (e.at, e.name("frontend"))
    }

    /// The exit among `exits` that `client`'s last disconnection followed: an exit of the frontend
    /// it lost, or of `session-1` (a frontend closes its push streams while it has no session
    /// node: `no-session-node`), at or before it lost it. Nil when the client never disconnected
    /// or lost its frontend for another reason.
    func exit(behind client: NodeName, among exits: [NodeExit]) -> NodeExit? {
        guard let last = table[client] else { return nil }
        return exits.first { ($0.node == last.frontend || $0.node.role == .session) && $0.at <= last.at }
    }
}

/// A checker whose verdict on the end state reads the clients' last disconnections (to tell the
/// clients still recovering from an exit).
protocol DisconnectionVerdict: Sendable {
    init()
    /// The verdict on the end state of `run`, with `disconnections` for the exceptions.
    func verdict(_ disconnections: LastDisconnections, run: RunRecord) -> CheckResult
}

/// The trace pass of a ``DisconnectionVerdict`` checker: each client's last `client-disconnected`.
struct DisconnectionScan<Checker: DisconnectionVerdict>: TraceScan {
    var labels: Set<String> { [NodeLog.clientDisconnected] }

    /// Each client's last disconnection.
    private(set) var disconnections = LastDisconnections()

    mutating func observe(_ e: NodeEntry) { disconnections.observe(e) }

    func finish(run: RunRecord) -> CheckResult { Checker().verdict(disconnections, run: run) }
}
