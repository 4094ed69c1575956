import NetModel
import Nodes

/// A deterministic failover test's run: an experiment simulated from its seed, with its verdict
/// and its whole trace to assert on. The public way to test a cluster — your own services
/// included — from another package:
///
/// ```swift
/// import ClusterSim
/// import Nodes
/// import Testing
///
/// @Test func giftsSurviveAFrontendCrash() throws {
///     var services = ServiceRegistry.standard
///     services.register(MyService())
///     let run = try SimulatedRun(json: experimentText, services: services)
///     #expect(run.passed, "\(run.failures)")
///     #expect(!run.events(labelled: NodeLog.requestExecuted).isEmpty)
/// }
/// ```
///
/// The same file, seed and toolchain give the same trace (`traceHash`) in every process.
public struct SimulatedRun: Sendable {
    /// The run (its experiment, seed, simulator and trace).
    public let run: ClusterRun
    /// Its checks, metrics and trace hash.
    public let result: RunResult

    /// Parses the experiment file text `json` (its `workload.services` named in `services`) and
    /// runs it with `seed` (the file's own when nil), the cluster serving `services`.
    /// - Throws: an ``ExperimentError`` naming every problem of the file; nothing runs then.
    public init(json: String, seed: UInt64? = nil, services: ServiceRegistry = .standard,
                plantedBugs: PlantedBugs = PlantedBugs()) throws(ExperimentError) {
        self.init(experiment: try Experiment.parse(json, services: services), seed: seed, services: services,
                  plantedBugs: plantedBugs)
    }

    /// Runs `experiment` with `seed` (its own when nil), the cluster serving `services`. The
    /// whole trace is kept, for `events`.
    public init(experiment: Experiment, seed: UInt64? = nil, services: ServiceRegistry = .standard,
                plantedBugs: PlantedBugs = PlantedBugs()) {
        (run, result) = RunResult.simulate(experiment, seed: seed, services: services, retention: .everything) {
            $0.plantedBugs = plantedBugs
        }
    }

    /// Whether every check passed.
    public var passed: Bool { result.passed }
    /// The checks that failed.
    public var failedChecks: [CheckResult] { result.checks.filter { !$0.passed } }
    /// Every failing check, one per line (`name: detail`), for a failure message.
    public var failures: String { result.failures }
    /// The trace's identity (16 hex digits).
    public var traceHash: String { result.traceHash }

    /// The result of check `name` (nil when the experiment did not run it).
    public func check(_ name: CheckName) -> CheckResult? { result.check(name.rawValue) }
    /// The metric `name` (`pushes_accepted`, `failover_ms`, …).
    public func metric(_ name: String) -> Double? { result.metric(name) }
    /// The node events labelled `label` (a `NodeLog` constant), at `node` when given, in trace order.
    public func events(labelled label: String, at node: NodeName? = nil) -> [TraceEvent] { run.logs(label, at: node) }
    /// Every event of the trace, in order.
    public var events: [TraceEvent] { run.simulator.trace.events }
}

extension RunResult {
    /// The result of the check `name` (a ``CheckName`` raw value or `expect.FIELD`).
    public func check(_ name: String) -> CheckResult? { checks.first { $0.name == name } }

    /// The metric `name`.
    public func metric(_ name: String) -> Double? { metrics.first { $0.0 == name }?.1 }

    /// Every failing check, one per line, for failure messages.
    public var failures: String { checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" }.joined(separator: "\n") }
}

extension ClusterRun {
    /// The node events labelled `label` (at `node` when given), in trace order.
    public func logs(_ label: String, at node: NodeName? = nil) -> [TraceEvent] {
        simulator.trace.events.filter { $0.kind == .node && $0.label == label && (node == nil || $0.node == node) }
    }

    /// A detail field of a node event, as text.
    public func field(_ key: String, _ event: TraceEvent) -> String? { NodeLog.field(key, in: event.detail).map(String.init) }
}
