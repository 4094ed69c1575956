import NetModel

/// `session-map-converges`: at the end of the run the session node's map points every user at
/// the stream they really hold.
///
/// Property: the set of `(user, frontend, connection)` in `snapshot.sessionEntries` equals the set
/// of `(user, frontend, connection)` of `snapshot.frontendStreams` (every open, accepted stream on
/// a live frontend). An entry with no such stream (its frontend crashed or fenced, or the stream
/// closed) is *stale*; a stream with no entry is *unmapped*.
///
/// Allowed exceptions: none. When `session-1` is down at the end (`sessionEntries == nil`) the
/// check fails, saying so.
///
/// Detail on failure: `stale entries: …; unmapped streams: …` as `user@frontend#connection`,
/// first few of each and a count.
package struct SessionMapConvergesChecker: Checker {
    /// Which check this is.
    package var name: CheckName { .sessionMapConverges }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult {
        guard let entries = run.snapshot.sessionEntries else {
            return fail("session-1 is down at the end of the run: there is no session map to compare with the streams")
        }
        let mapped = Set(entries)
        let streams = Set(run.snapshot.frontendStreams.map(\.sessionRow))
        let stale = mapped.subtracting(streams).sorted().map(\.description)
        let unmapped = streams.subtracting(mapped).sorted().map(\.description)
        if stale.isEmpty && unmapped.isEmpty {
            return pass("the session map matches the \(streams.count) open streams")
        }
        var parts: [String] = []
        if !stale.isEmpty { parts.append("stale entries (no such stream): " + Detail.list(stale)) }
        if !unmapped.isEmpty { parts.append("unmapped streams (no entry): " + Detail.list(unmapped)) }
        let first = unmapped.isEmpty ? mapped.subtracting(streams).min() : streams.subtracting(mapped).min()
        let example = first.map { row in
            Counterexample(kind: unmapped.isEmpty ? .unexplained : .missing,
                           summary: unmapped.isEmpty ? "the session map keeps \(row), a stream that no longer exists"
                                                     : "the stream \(row) has no entry in the session map",
                           marks: run.sessionHistory(of: row.user), subject: .node(row.frontend))
        }
        return fail(parts.joined(separator: "; ")).with(example)
    }
}
