import NetModel

/// Everything the checkers and metrics read about one finished run: the experiment, the trace
/// (in full, or only the events the checks read after the run, with counts of the others), the
/// final state and the phase boundaries.
package struct RunRecord: Sendable {
    /// The experiment that ran.
    package var experiment: Experiment
    /// The events retained, in trace order: every event of the run when ``retainsEverything``,
    /// else only those ``TraceRetention/checks`` keeps.
    package var events: [TraceEvent]
    /// What `events` holds of the run's events.
    let retention: TraceRetention
    /// Whether `events` holds every event of the run.
    package var retainsEverything: Bool { retention == .everything }
    /// How many events the run recorded (retained or not).
    package var eventCount: Int { nodeIndex.total }
    /// The cluster's state at `end`.
    package var snapshot: ClusterSnapshot
    /// The end of the load and fault phase (`duration`).
    package var endOfLoad: VirtualInstant
    /// The end of the run (`duration + settle`).
    package var end: VirtualInstant
    /// The instant of the last fault action (including heals and resumes), if any.
    package var lastFault: VirtualInstant?
    /// Node events by label, built once.
    let nodeIndex: NodeEventIndex

    /// Makes a record. `endOfLoad` and `end` default to the experiment's `duration` and
    /// `duration + settle`.
    package init(experiment: Experiment, events: [TraceEvent], snapshot: ClusterSnapshot,
                endOfLoad: VirtualInstant? = nil, end: VirtualInstant? = nil, lastFault: VirtualInstant? = nil) {
        self.init(experiment: experiment, events: events, index: NodeEventIndex(events), snapshot: snapshot,
                  endOfLoad: endOfLoad, end: end, lastFault: lastFault)
    }

    /// Makes a record with an index built beforehand (by the trace recorder, during the run);
    /// `retention` says what `events` holds.
    init(experiment: Experiment, events: [TraceEvent], index: NodeEventIndex, snapshot: ClusterSnapshot,
         endOfLoad: VirtualInstant?, end: VirtualInstant?, lastFault: VirtualInstant?, retention: TraceRetention = .everything) {
        self.experiment = experiment
        self.events = events
        self.retention = retention
        self.snapshot = snapshot
        let load = endOfLoad ?? VirtualInstant.zero.advanced(by: experiment.duration)
        self.endOfLoad = load
        self.end = end ?? load.advanced(by: experiment.settle)
        self.lastFault = lastFault
        self.nodeIndex = index
    }
}

/// The outcome of one check, as `--json` prints it: `{name, passed, detail}`.
public struct CheckResult: Sendable, Equatable {
    /// The check's name: a ``CheckName`` raw value, or `expect.<field>` for a threshold.
    public var name: String
    /// Whether the property held.
    public var passed: Bool
    /// One line for a human: what was checked and, on failure, the first offenders and a count.
    public var detail: String
    /// On failure, the first case that made it fail as trace events, when the check knows it
    /// (reports draw it); nil when it passed or gives none.
    public var counterexample: Counterexample?

    /// Makes a result.
    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
        self.counterexample = nil
    }
}

/// A property of a run, decided from its ``RunRecord`` alone.
package protocol Checker: Sendable {
    /// Which check this is.
    var name: CheckName { get }
    /// Decides the property.
    /// - Returns: a result named `name.rawValue`; `passed` false with the offenders in `detail`
    ///   when the property does not hold.
    func check(_ run: RunRecord) -> CheckResult
}

extension Checker {
    func pass(_ detail: String) -> CheckResult { CheckResult(name: name.rawValue, passed: true, detail: detail) }
    func fail(_ detail: String) -> CheckResult { CheckResult(name: name.rawValue, passed: false, detail: detail) }
}

/// Parameters of the checkers that are not in the experiment file.
public struct CheckOptions: Sendable, Equatable {
    /// The cluster's backend group id (`ClusterSettings.groupID`). Default `"k2svc"`.
    public var groupID: String
    /// The shortest grace the single-session check allows two streams of one user to overlap
    /// (the grace is this or twice the largest observed delivery latency, whichever is longer).
    /// Default 1s.
    public var minimumOverlapGrace: Duration
    /// The request service token attacks use when an `attack-sent` event does not name one with
    /// `service=`; nil: only attacks naming their service are checked for being served.
    public var attackService: String?

    /// Makes options; the defaults match the runner's defaults.
    public init(groupID: String = "k2svc", minimumOverlapGrace: Duration = .seconds(1), attackService: String? = nil) {
        self.groupID = groupID
        self.minimumOverlapGrace = minimumOverlapGrace
        self.attackService = attackService
    }
}

/// The catalogue of checkers.
package enum Checkers {
    /// The checker for `name` with default options.
    /// - Returns: a checker whose `name` is `name`.
    package static func make(_ name: CheckName) -> any Checker {
        make(name, options: CheckOptions())
    }

    /// The checker for `name`.
    /// - Returns: a checker whose `name` is `name`, configured from `options`.
    package static func make(_ name: CheckName, options: CheckOptions) -> any Checker {
        switch name {
        case .registryConverges: RegistryConvergesChecker()
        case .sessionMapConverges: SessionMapConvergesChecker()
        case .singleSession: SingleSessionChecker(minimumGrace: options.minimumOverlapGrace)
        case .pushDelivery: PushDeliveryChecker()
        case .chatDelivery: ChatDeliveryChecker()
        case .backendAuth: BackendAuthChecker(groupID: options.groupID)
        case .clientAuth: ClientAuthChecker(attackService: options.attackService)
        case .liveness: LivenessChecker()
        case .acknowledgedEffects: AcknowledgedEffectsChecker()
        case .exactlyOnce: ExactlyOnceChecker()
        case .chatLiveness: ChatLivenessChecker()
        case .pushPromptness: PushPromptnessChecker()
        }
    }

    /// Runs the named checkers.
    /// - Returns: one result per name, in the order given.
    ///
    /// The checkers are independent pure functions of the record, so they run on the machine's
    /// cores at once; each result goes to its own slot, so the order and the results are the same
    /// as one after another.
    package static func run(_ names: [CheckName], on run: RunRecord, options: CheckOptions = CheckOptions()) -> [CheckResult] {
        let checkers = names.map { make($0, options: options) }
        return Parallel.map(checkers.indices) { checkers[$0].check(run) }
    }

    /// Runs the experiment's checkers, then its `expect` thresholds.
    /// - Returns: the results of `run.experiment.checks` in order, followed by
    ///   ``expectations(_:metrics:)`` for `run.experiment.expect`.
    package static func runAll(on run: RunRecord, metrics: RunMetrics, options: CheckOptions = CheckOptions()) -> [CheckResult] {
        self.run(run.experiment.checks, on: run, options: options) + expectations(run.experiment.expect, metrics: metrics, record: run)
    }
}
