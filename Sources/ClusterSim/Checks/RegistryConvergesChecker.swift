import NetModel

/// `registry-converges`: at the end of the run the manager's registry lists exactly the live
/// server nodes.
///
/// Property: the set `snapshot.registry` equals the set `snapshot.liveServers` without the
/// management node itself (the manager does not register with itself). A crashed or fenced
/// server still listed is *stale*; a live server not listed is *missing*. Order does not matter.
///
/// Allowed exceptions, *in recovery* (counted and named in the detail, not judged): a node that
/// exited (``RunRecord/exits()``: the manager fenced it and its supervisor ended the process)
/// less than ``RunRecord/recoveryBound`` before the end, stale or missing — it restarts a second
/// later and registers again, and under loss that can take a few of its ping intervals. A
/// planned crash gets no such exception. When `management-1` is down at the end (`registry ==
/// nil`) there is nothing to compare and the check fails, saying so.
///
/// Detail on failure: `missing (live, not registered): …; stale (registered, not live): …`, each
/// list showing its first few nodes and, when longer, how many there are.
package struct RegistryConvergesChecker: Checker {
    /// Which check this is.
    package var name: CheckName { .registryConverges }

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the first offenders.
    package func check(_ run: RunRecord) -> CheckResult {
        guard let registry = run.snapshot.registry else {
            return fail("management-1 is down at the end of the run: there is no registry to compare with the live servers")
        }
        let exits = run.exitsInRecovery()
        let recovering = Set(exits.map(\.node))
        let live = Set(run.snapshot.liveServers.filter { $0.role != .management })
        let listed = Set(registry)
        let (missingNodes, missingRecovering) = live.subtracting(listed).sorted().partitioned { !recovering.contains($0) }
        let (staleNodes, staleRecovering) = listed.subtracting(live).sorted().partitioned { !recovering.contains($0) }
        let missing = missingNodes.map(\.description), stale = staleNodes.map(\.description)
        let excused = (missingRecovering + staleRecovering).sorted()
        let recoveryNote = excused.isEmpty ? ""
            : "; in recovery, not judged: " + excused.map(\.description).joined(separator: ", ")
              + " (" + RunRecord.describe(exits, end: run.end) + ")"
        if missing.isEmpty && stale.isEmpty {
            return pass("the registry lists exactly the \(live.subtracting(recovering).count) live servers" + recoveryNote)
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing (live, not registered): " + Detail.list(missing)) }
        if !stale.isEmpty { parts.append("stale (registered, not live): " + Detail.list(stale)) }
        let first = missingNodes.first ?? staleNodes.first
        let example = first.map { node in
            Counterexample(kind: live.contains(node) ? .missing : .unexplained,
                           summary: live.contains(node) ? "\(node) is live but not in the registry" : "\(node) is in the registry but not live",
                           marks: run.registryHistory(of: node), subject: .node(node))
        }
        return fail(parts.joined(separator: "; ") + recoveryNote).with(example)
    }
}
