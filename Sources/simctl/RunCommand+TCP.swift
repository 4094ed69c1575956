import ClusterSim
import Foundation
import NetModel

extension RunCommand {
    /// How long a run over TCP keeps the cluster going after its end for the pushes in flight.
    static let drainLimit: Double = 30

    /// `simctl run FILE --transport tcp`: the experiment's whole cluster in this process on real
    /// loopback TCP, in real time, then the same checks and the same output contract.
    static func runOverTCP(_ experiment: Experiment, seed: UInt64?, out: String?, file: String?, args: ParsedArguments) -> Int32 {
        for note in experiment.realNetworkNotes { printError("note: \(note)") }
        let fabric: TCPFabric
        do { fabric = try TCPFabric(host: "127.0.0.1") } catch {
            fail("run: cannot start the TCP network: \(error)", status: ExitStatus.broken)
        }
        let clock = ContinuousClock()
        let started = clock.now
        // Judged once the pushes still in flight at the end have landed (received or expired), at
        // most `drainLimit` later: on a starved machine a delivery can take seconds, and a run
        // stopped under it is not a loss (the record's end is then the real one).
        let inFlight = PushesInFlight()
        let run = RealClusterRun(experiment: experiment, seed: seed, fabric: fabric, tap: { inFlight.see($0) })
        let progress = TCPProgress(experiment: experiment)
        progress.start()
        var drained = Duration.zero
        let record = run.run(drain: {
            let drainStarted = clock.now
            defer { drained = drainStarted.duration(to: clock.now) }
            if !inFlight.waitUntilLanded(within: Self.drainLimit) {
                printError("note: \(inFlight.count) accepted pushes were still in flight \(Int(Self.drainLimit)) s after the end; judged as they are")
            }
        })
        progress.stop()
        let ran = clock.now
        let stats = fabric.network.stats
        let result = run.evaluate(record)
        let checked = clock.now
        func ms(_ d: Duration) -> Double { Double(d.nanosecondsClamped) / 1e6 }
        let extra: [(String, Double)] = [("wall_ms", ms(started.duration(to: checked))),
                                         ("run_wall_ms", ms(started.duration(to: ran))),
                                         ("drain_wall_ms", ms(drained)),
                                         ("checks_wall_ms", ms(ran.duration(to: checked))),
                                         ("tcp_frames_out", Double(stats.framesOut)),
                                         ("tcp_frames_in", Double(stats.framesIn)),
                                         ("tcp_drops", Double(stats.totalDrops))]
            + stats.drops.keys.sorted().map { ("tcp_drops_\($0)", Double(stats.drops[$0]!)) }
        emit(result, experiment: experiment, traceLines: { record.events.map(\.jsonLine).joined(separator: "\n") + "\n" },
             report: { RunReport(experiment: experiment, seed: result.seed, traceHash: result.traceHash, events: record.events,
                                 checks: result.checks, metrics: result.metrics, end: record.end) },
             extra: extra, out: out, file: file, args: args)
        return result.passed ? ExitStatus.success : ExitStatus.failed
    }
}
