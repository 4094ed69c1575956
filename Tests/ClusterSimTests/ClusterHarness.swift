import Foundation
import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The Experiments/ directory of the package.
let experimentsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Experiments")

/// Runs the experiment `json` (an experiment file's text) on the simulator and hands the run and its
/// result to `body`, which asserts on the trace (kept in full) and the checks.
func withCluster(_ json: String, seed: UInt64 = 1, configure: (ClusterRun) -> Void = { _ in },
                 _ body: (ClusterRun, RunResult) throws -> Void) throws {
    let experiment = try Experiment.parse(json)
    let (run, result) = RunResult.simulate(experiment, seed: seed, retention: .everything, configure: configure)
    try body(run, result)
}

/// A small cluster experiment: `frontends` frontends, `clients` clients, the given faults and extras.
func experiment(frontends: Int = 3, clients: Int = 30, duration: String = "20s", settle: String = "8s",
                extra: String = "", faults: String = "[]", workload: String = #""requestRate": "1/s", "pushRate": "1/s""#) -> String {
    #"{"name": "scenario", "duration": "\#(duration)", "settle": "\#(settle)", "cluster": {"frontends": \#(frontends)\#(extra)}, "workload": {"clients": \#(clients), "rampUp": "2s", \#(workload)}, "faults": \#(faults)}"#
}
