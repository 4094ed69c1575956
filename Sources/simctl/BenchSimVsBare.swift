import ClusterSim
import Foundation
import Glibc

/// `simctl bench sim --vs-bare N`: the simulator against the bare event loop (`BareLoop`, the
/// anchor of `../shared/bench/bareloop.swift`), side by side in one process: N pairs, each the
/// bare loop then `bench sim` with the same nodes, messages, in-flight count and drop. For each
/// run the process's CPU time (every thread: `bench sim`'s trace folding included) and its wall
/// time; the ratio bare ÷ simulator pair by pair (1 would be as fast as the bare loop), and the
/// medians. On one core (`taskset -c 0 simctl bench sim --vs-bare N`) the trace's folding thread
/// shares the driver's core, and wall and CPU tell the same story.
enum BenchSimVsBare {
    /// One pair's figures, in seconds.
    struct Pair {
        var bareCPU: Double, bareWall: Double, simCPU: Double, simWall: Double
        var cpuRatio: Double { bareCPU / simCPU }
        var wallRatio: Double { bareWall / simWall }
    }

    static func run(pairs: Int, settings: SimBenchmark.Settings) -> Int32 {
        print("bench sim --vs-bare: \(pairs) pairs, \(settings.nodes) nodes, \(settings.messages) messages, "
              + "\(settings.inFlightPerNode) in flight per node, drop \(settings.drop); ratio = bare / simulator")
        var results: [Pair] = []
        for i in 1...pairs {
            var bare: BareLoop.Outcome?
            let (bareCPU, bareWall) = measure {
                bare = BareLoop.run(nodes: settings.nodes, messages: settings.messages,
                                    inFlightPerNode: settings.inFlightPerNode, drop: settings.drop)
            }
            var sim: SimBenchmark.Outcome?
            let (simCPU, simWall) = measure { sim = SimBenchmark.run(settings) }
            let pair = Pair(bareCPU: bareCPU, bareWall: bareWall, simCPU: simCPU, simWall: simWall)
            results.append(pair)
            print("pair \(i): bare \(bare!.deliveries) deliveries cpu \(seconds(bareCPU)) wall \(seconds(bareWall)); "
                  + "sim \(sim!.deliveries) deliveries cpu \(seconds(simCPU)) wall \(seconds(simWall)); "
                  + "ratio cpu \(ratio(pair.cpuRatio)) wall \(ratio(pair.wallRatio))")
        }
        let cpu = BenchCommand.median(results.map(\.cpuRatio)), wall = BenchCommand.median(results.map(\.wallRatio))
        print("vs-bare: pairs=\(pairs) cpu_ratio_median=\(ratio(cpu)) wall_ratio_median=\(ratio(wall)) "
              + "cpu_ratio_min=\(ratio(results.map(\.cpuRatio).min()!)) cpu_ratio_max=\(ratio(results.map(\.cpuRatio).max()!)) processors=\(allowedProcessors)")
        return 0
    }

    /// Runs `body`; returns the process's CPU seconds (all threads) and the wall seconds it took.
    static func measure(_ body: () -> Void) -> (cpu: Double, wall: Double) {
        let cpu0 = processCPUSeconds(), wall0 = ContinuousClock.now
        body()
        let wall = ContinuousClock.now - wall0
        return (processCPUSeconds() - cpu0,
                Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
    }

    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The processors this process may run on, as the kernel lists them (`Cpus_allowed_list` of
    /// `/proc/self/status`: `0` under `taskset -c 0`, `0-1` on two), or `?` when unreadable.
    static var allowedProcessors: String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return "?" }
        return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
    }

    private static func seconds(_ s: Double) -> String { String(format: "%.3fs", s) }
    private static func ratio(_ r: Double) -> String { String(format: "%.3f", r) }
}
