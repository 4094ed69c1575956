import NetModel
import Nodes

/// What a trace recorder keeps of the events it records, besides their hash and count (which it
/// always has). Every event is hashed, and fed to the attached scans, as it is recorded; what is
/// retained is only for readers after the run.
public enum TraceRetention: Sendable, Equatable {
    /// Every event, in memory: for whatever reads the whole trace afterwards — `trace.jsonl` and
    /// the reports (`simctl run --out`), `simctl diff`, `simctl explain`, tests that look at events.
    case everything
    /// Only the events the checks read after the run (``RunRecord/retainedForChecks(_:)``: faults,
    /// crashes and restarts, and the few node events of the checkers that are not scans), and the
    /// drops in compact form (``DropLog``: instant, message id, label); every other event is
    /// counted by kind and label and dropped. Memory no longer grows with the trace: the default
    /// of a simulated run.
    case checks
    /// Nothing but the hash and the count (benchmarks, long-lived node processes): no scan is
    /// attached, and a check made afterwards sees no events, only the end state.
    case hashOnly
}

extension RunRecord {
    /// The kinds of events kept by ``TraceRetention/checks``: what the checkers' `finish` and the
    /// checkers that are not scans read after the run (faults, crashes: rare events). Drops are
    /// read too, but kept compact in the index's ``DropLog`` (a crash or a partition drops many).
    static let kindsReadAfterRun: [TraceKind] = [
        .crash, .restart, .pause, .resume, .partition, .heal, .clockOffset, .fault, .check, .start,
    ]
    /// Bit `k` set: ``kindsReadAfterRun`` holds the kind of raw value `k`.
    private static let kindMaskReadAfterRun: UInt32 = kindsReadAfterRun.reduce(0) { $0 | 1 << $1.rawValue }

    /// The labels of the node events kept by ``TraceRetention/checks``: those read after the run by
    /// a checker that is not a scan (`backend-auth`), by a scan's `finish` (`chat-delivery`
    /// reads the session node's registrations), or by ``RunRecord/silentRemovals()`` (the
    /// manager's removals). All are rare (attacks, calls from clients, registrations, removals).
    /// ``nodeEvents(_:)`` refuses, in a record that kept only these, any other label.
    static let labelsReadAfterRun: [String] = [
        NodeLog.attackSent, NodeLog.backendExecuted, NodeLog.backendRejected, NodeLog.registered,
        NodeLog.nodeRemoved,
    ]

    /// The UTF-8 lengths of ``labelsReadAfterRun``, bit `n` for length `n` (all below 64).
    private static let lengthMaskReadAfterRun: UInt64 = labelsReadAfterRun.reduce(0) { $0 | 1 << UInt64($1.utf8.count) }

    /// Whether ``TraceRetention/checks`` keeps `event`. A node event's label is compared with the
    /// kept ones only when its length is one of theirs: the folding thread asks this of every
    /// event, and four string comparisons per node event were 5% of its instructions in the heavy
    /// mix (the common labels all have other lengths).
    static func retainedForChecks(_ event: TraceEvent) -> Bool {
        guard event.kind == .node else { return kindMaskReadAfterRun & 1 << event.kind.rawValue != 0 }
        let length = event.label.utf8.count
        return length < 64 && lengthMaskReadAfterRun & 1 << UInt64(length) != 0 && labelsReadAfterRun.contains(event.label)
    }
}
