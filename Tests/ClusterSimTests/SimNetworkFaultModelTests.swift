import Testing
import NetModel
@testable import ClusterSim

@Suite("Simulated network: nothing crosses a cut, reaches or leaves a crashed node, or passes a pause")
struct SimNetworkFaultModelTests {
    /// 200 random worlds (latency, loss, duplication, reordering; partitions symmetric and
    /// one-way, crashes, restarts, pauses) checked delivery by delivery by `FaultModelOracle`.
    /// Verified to fail on the network before streams honoured partitions at their open.
    @Test("random fault schedules: every delivery obeys the fault model")
    func randomSchedules() {
        var totals: [String: Int] = [:]
        var failures: [String] = []
        for seed in 1...200 as ClosedRange<UInt64> {
            let world = FaultModelWorld(seed: seed)
            world.run()
            for (k, v) in world.oracle.counts { totals[k, default: 0] += v }
            if !world.oracle.violations.isEmpty, failures.count < 5 {
                failures.append("seed \(seed):\n  " + world.oracle.violations.joined(separator: "\n  "))
            }
            world.net.detachAll()
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The schedules exercise what they claim to.
        for kind in ["message", "frame", "open", "held", "close closed", "close peer-crashed", "close partition",
                     "close refused"] {
            #expect(totals[kind, default: 0] > 20, "only \(totals[kind, default: 0]) of \(kind): \(totals)")
        }
    }
}
