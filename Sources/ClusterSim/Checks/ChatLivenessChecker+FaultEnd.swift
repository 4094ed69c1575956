import NetModel

extension RunRecord {
    /// The trace kinds that mark a fault or the end of one.
    static let faultKinds: [TraceKind] = [.crash, .restart, .partition, .heal, .pause, .resume, .clockOffset, .fault]

    /// The end of the last fault of the run, as ``ChatLivenessChecker`` judges it: the latest of
    /// - the instant of every fault event of the trace (`crash`, `restart`, `partition`, `heal`,
    ///   `pause`, `resume`, `clock-offset`, and the runner's `fault` marker of each action),
    /// - the record's `lastFault`,
    /// - each of the experiment's faults' planned end: a crash's `at` plus its `restartAfter`, a
    ///   restart's or clock offset's `at`, a partition's `at` plus its heal (or the end of the load
    ///   when it heals only then), a pause's `at` plus its `resumeAfter`.
    /// - Returns: that instant, or nil when the run has no fault at all.
    package func lastFaultEnd() -> VirtualInstant? {
        var ends = positions(of: Self.faultKinds).map { events[$0].at }
        if let lastFault { ends.append(lastFault) }
        for fault in experiment.faults {
            let at = VirtualInstant.zero.advanced(by: fault.at)
            switch fault.action {
            case .crash(_, let restartAfter): ends.append(at.advanced(by: restartAfter ?? .zero))
            case .restart, .clockOffset: ends.append(at)
            case .partition(_, _, let heal): ends.append(heal.map { at.advanced(by: $0) } ?? max(at, endOfLoad))
            case .pause(_, let resumeAfter): ends.append(at.advanced(by: resumeAfter))
            }
        }
        return ends.max()
    }
}
