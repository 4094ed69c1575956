import Foundation
import Synchronization

/// Counters of a `TCPNetwork` since it started.
package struct TCPStats: Sendable, Equatable, CustomStringConvertible {
    /// Frames handed to connections for writing (hellos included; frames queued for a connect
    /// that then failed are counted here and as `unreachable` drops).
    package var framesOut = 0
    /// Frames read from sockets (hellos included).
    package var framesIn = 0
    /// Bytes written to sockets.
    package var bytesOut = 0
    /// Bytes read from sockets.
    package var bytesIn = 0
    /// Connections this network opened to peers (attempts that succeeded).
    package var connectionsOpened = 0
    /// Connections accepted by attached nodes' listeners.
    package var connectionsAccepted = 0
    /// Times the reactor stopped reading a connection because its worker had too much queued
    /// (inbound back-pressure).
    package var readPauses = 0
    /// Times the reactor stopped reading a connection because its own outbound bytes were over
    /// half of `maxOutboundBytes` (the input budget); it reads again once they drain.
    package var budgetPauses = 0
    /// Clients closed at once because the process was out of descriptors when they connected.
    package var acceptsShed = 0
    /// Connections closed for a deadline (hello not finished, frame left unfinished).
    package var timeouts = 0
    /// Messages dropped, by reason: `no-route` (no connection, no address), `unreachable`
    /// (queued for a connect that failed), `queue-full`, `oversized`, `blocked`, `detached`,
    /// `stream-closed` (sent on a stream that is gone), `undecodable`, `disconnected` (waiting to
    /// be written when the connection died).
    package var drops: [String: Int] = [:]
    /// Connections closed, by reason: `peer-closed`, `peer-error`, `connect-failed`,
    /// `protocol-error`, `slow-consumer`, `blocked`, `detach`, `replaced`, `shutdown`,
    /// `undecodable`, `timeout`.
    package var disconnects: [String: Int] = [:]

    /// Messages dropped for any reason.
    package var totalDrops: Int { drops.values.reduce(0, +) }

    /// One line, counters by name, reasons sorted.
    package var description: String {
        func list(_ d: [String: Int]) -> String {
            d.keys.sorted().map { "\($0)=\(d[$0]!)" }.joined(separator: ",")
        }
        return "framesOut=\(framesOut) framesIn=\(framesIn) bytesOut=\(bytesOut) bytesIn=\(bytesIn) "
            + "opened=\(connectionsOpened) accepted=\(connectionsAccepted) pauses=\(readPauses) "
            + "drops=[\(list(drops))] disconnects=[\(list(disconnects))]"
    }
}

/// The live counters, updated from the reactor, the workers and senders. Threads may wait for
/// them to reach a state (`wait(until:for:)`); an update wakes them only while one waits, so
/// the hot path pays one extra read under the lock it already takes.
final class TCPStatsBox: Sendable {
    private struct State {
        var stats = TCPStats()
        /// Threads in `wait(until:for:)`.
        var waiters = 0
    }

    private let state = Mutex(State())
    /// Signalled after an update while someone waits.
    private let changed = NSCondition()

    var snapshot: TCPStats { state.withLock { $0.stats } }

    func update(_ body: (inout TCPStats) -> Void) {
        let watched = state.withLock { state -> Bool in
            body(&state.stats)
            return state.waiters > 0
        }
        if watched {
            changed.lock()
            changed.broadcast()
            changed.unlock()
        }
    }

    func drop(_ reason: String, count: Int = 1) {
        guard count > 0 else { return }
        update { $0.drops[reason, default: 0] += count }
    }

    func disconnect(_ reason: String) {
        update { $0.disconnects[reason, default: 0] += 1 }
    }

    /// Waits until the counters satisfy `condition` or `deadline` passes, woken by each update.
    /// - Returns: whether they did in time.
    func wait(until deadline: Date, for condition: (TCPStats) -> Bool) -> Bool {
        // Counted as a waiter before the first look, so an update after that look signals;
        // the look and the wait happen under `changed`, so the signal cannot slip between them.
        state.withLock { $0.waiters += 1 }
        defer { state.withLock { $0.waiters -= 1 } }
        changed.lock()
        defer { changed.unlock() }
        while !condition(snapshot) {
            guard changed.wait(until: deadline) else { return condition(snapshot) }
        }
        return true
    }
}
