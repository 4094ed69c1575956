import NetModel
import Nodes

/// `session-map-converges`: at the end of the run the session node's map points every user at
/// the stream they really hold.
///
/// Property: the set of `(user, frontend, connection)` in `snapshot.sessionEntries` equals the set
/// of `(user, frontend, connection)` of `snapshot.frontendStreams` (every open, accepted stream on
/// a live frontend). An entry with no such stream (its frontend crashed or fenced, or the stream
/// closed) is *stale*; a stream with no entry is *unmapped*.
///
/// Allowed exceptions, *in recovery* (counted and named in the detail, not judged): what an exit
/// (``RunRecord/exits()``: a fenced node ended by its supervisor, a crash after the runner's
/// `exit(NAME)` marker) less than ``RunRecord/recoveryBound`` before the end leaves unsettled —
/// - after an exit of `session-1`, unmapped streams: its new incarnation rebuilds the map from the
///   frontends' re-syncs;
/// - after an exit of frontend F, stale entries and unmapped streams at F;
/// - after an exit of frontend F, the unmapped stream at another frontend G of a client that moved
///   there from F: its last disconnection (`client-disconnected frontend=F`) came at or after F's
///   exit, and it is connected to G at the end. Its login at G is announced to the session node
///   like any other, and a lost announcement is repeated; the run ended before that could be seen.
///
/// The cluster removed that node itself (most often because the network lost its pings) too late
/// in the run to be judged settled. When `session-1` is down at the end (`sessionEntries == nil`)
/// the check fails, saying so — unless it is down because it exited less than the bound before
/// the end (its supervisor restarts it a second later): then nothing is judged, and the detail says so.
///
/// Detail on failure: `stale entries: …; unmapped streams: …` as `user@frontend#connection`,
/// first few of each and a count.
package struct SessionMapConvergesChecker: ScanningChecker, DisconnectionVerdict {
    /// Which check this is.
    package var name: CheckName { .sessionMapConverges }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the clients' disconnections.
    func makeScan() -> any TraceScan<CheckResult> { DisconnectionScan<SessionMapConvergesChecker>() }

    /// The verdict on the end state, with the clients' last disconnections for the exceptions.
    func verdict(_ disconnections: LastDisconnections, run: RunRecord) -> CheckResult {
        let exits = run.exitsInRecovery()
        guard let entries = run.snapshot.sessionEntries else {
            let sessionExits = exits.filter { $0.node.role == .session }
            if !sessionExits.isEmpty {
                return pass("not judged: session-1 is down at the end, in recovery after its exit ("
                            + RunRecord.describe(sessionExits, end: run.end) + ")")
            }
            return fail("session-1 is down at the end of the run: there is no session map to compare with the streams")
        }
        let sessionRecovering = exits.contains { $0.node.role == .session }
        let frontendsRecovering = Set(exits.filter { $0.node.role == .frontend }.map(\.node))
        let mapped = Set(entries)
        let streams = Set(run.snapshot.frontendStreams.map(\.sessionRow))
        let (staleRows, staleRecovering) = mapped.subtracting(streams).sorted().partitioned {
            !frontendsRecovering.contains($0.frontend)
        }
        // The clients connected at the end to each frontend, by user, whose last disconnection
        // followed a frontend's exit in recovery.
        let moved = Set(run.snapshot.clients.filter { row in
            row.connected && disconnections.exit(behind: row.client, among: exits) != nil
        }.compactMap { row in row.frontend.map { StreamOwner(user: row.user, frontend: $0) } })
        let (unmappedRows, unmappedRecovering) = streams.subtracting(mapped).sorted().partitioned {
            !sessionRecovering && !frontendsRecovering.contains($0.frontend)
                && !moved.contains(StreamOwner(user: $0.user, frontend: $0.frontend))
        }
        let stale = staleRows.map(\.description), unmapped = unmappedRows.map(\.description)
        let recovering = (staleRecovering + unmappedRecovering).map(\.description)
        let movedRows = unmappedRecovering.count { !sessionRecovering && !frontendsRecovering.contains($0.frontend) }
        let recoveryNote = recovering.isEmpty ? ""
            : "; in recovery, not judged: \(recovering.count) rows of nodes that exited"
              + (exits.contains { $0.removed } ? " or were removed" : "")
              + (movedRows == 0 ? "" : " or of clients that moved away from them (\(movedRows))") + " ("
              + RunRecord.describe(exits, end: run.end) + "): " + Detail.list(recovering)
        if stale.isEmpty && unmapped.isEmpty {
            return pass("the session map matches the \(streams.count - unmappedRecovering.count) open streams" + recoveryNote)
        }
        var parts: [String] = []
        if !stale.isEmpty { parts.append("stale entries (no such stream): " + Detail.list(stale)) }
        if !unmapped.isEmpty { parts.append("unmapped streams (no entry): " + Detail.list(unmapped)) }
        let first = unmapped.isEmpty ? staleRows.first : unmappedRows.first
        let example = first.map { row in
            Counterexample(kind: unmapped.isEmpty ? .unexplained : .missing,
                           summary: unmapped.isEmpty ? "the session map keeps \(row), a stream that no longer exists"
                                                     : "the stream \(row) has no entry in the session map",
                           marks: run.sessionHistory(of: row.user), subject: .node(row.frontend))
        }
        return fail(parts.joined(separator: "; ") + recoveryNote).with(example)
    }
}

/// A user's stream at a frontend, whatever its connection.
private struct StreamOwner: Hashable {
    let user: String
    let frontend: NodeName
}

extension Array {
    /// The elements for which `kept` holds, and the others, each in order.
    func partitioned(_ kept: (Element) -> Bool) -> (kept: [Element], others: [Element]) {
        var a: [Element] = [], b: [Element] = []
        for element in self { if kept(element) { a.append(element) } else { b.append(element) } }
        return (a, b)
    }
}
