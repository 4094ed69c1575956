import Synchronization

/// Counters of a `TCPNetwork` since it started.
public struct TCPStats: Sendable, Equatable, CustomStringConvertible {
    /// Frames handed to connections for writing (hellos included; frames queued for a connect
    /// that then failed are counted here and as `unreachable` drops).
    public var framesOut = 0
    /// Frames read from sockets (hellos included).
    public var framesIn = 0
    /// Bytes written to sockets.
    public var bytesOut = 0
    /// Bytes read from sockets.
    public var bytesIn = 0
    /// Connections this network opened to peers (attempts that succeeded).
    public var connectionsOpened = 0
    /// Connections accepted by attached nodes' listeners.
    public var connectionsAccepted = 0
    /// Times the reactor stopped reading a connection because its worker had too much queued
    /// (inbound back-pressure).
    public var readPauses = 0
    /// Messages dropped, by reason: `no-route` (no connection, no address), `unreachable`
    /// (queued for a connect that failed), `queue-full`, `oversized`, `blocked`, `detached`,
    /// `stream-closed` (sent on a stream that is gone), `undecodable`, `disconnected` (waiting to
    /// be written when the connection died).
    public var drops: [String: Int] = [:]
    /// Connections closed, by reason: `peer-closed`, `peer-error`, `connect-failed`,
    /// `protocol-error`, `slow-consumer`, `blocked`, `detach`, `replaced`, `shutdown`,
    /// `undecodable`.
    public var disconnects: [String: Int] = [:]

    /// Messages dropped for any reason.
    public var totalDrops: Int { drops.values.reduce(0, +) }

    /// One line, counters by name, reasons sorted.
    public var description: String {
        func list(_ d: [String: Int]) -> String {
            d.keys.sorted().map { "\($0)=\(d[$0]!)" }.joined(separator: ",")
        }
        return "framesOut=\(framesOut) framesIn=\(framesIn) bytesOut=\(bytesOut) bytesIn=\(bytesIn) "
            + "opened=\(connectionsOpened) accepted=\(connectionsAccepted) pauses=\(readPauses) "
            + "drops=[\(list(drops))] disconnects=[\(list(disconnects))]"
    }
}

/// The live counters, updated from the reactor, the workers and senders.
final class TCPStatsBox: Sendable {
    private let stats = Mutex(TCPStats())

    var snapshot: TCPStats { stats.withLock { $0 } }

    func update(_ body: (inout TCPStats) -> Void) {
        stats.withLock { body(&$0) }
    }

    func drop(_ reason: String, count: Int = 1) {
        guard count > 0 else { return }
        stats.withLock { $0.drops[reason, default: 0] += count }
    }

    func disconnect(_ reason: String) {
        stats.withLock { $0.disconnects[reason, default: 0] += 1 }
    }
}
