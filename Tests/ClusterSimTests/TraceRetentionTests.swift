import Foundation
import Testing
import NetModel
@testable import ClusterSim

@Suite("What a run's trace keeps: everything, what the checks read, or only the hash")
struct TraceRetentionTests {
    /// Runs `file` at its seed keeping what `retention` says.
    static func run(_ file: String, _ retention: TraceRetention) throws -> (ClusterRun, RunResult) {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        return RunResult.simulate(experiment, retention: retention)
    }

    @Test("keeping only what the checks read gives the same hash, checks and metrics as keeping everything",
          arguments: ["04-frontend-failover.json", "09-auth-attacks.json", "10-chat-rooms.json",
                      "12-duplication-and-loss.json", "13-chat-restart.json"])
    func sameVerdict(file: String) throws {
        let (_, full) = try Self.run(file, .everything)
        let (run, lean) = try Self.run(file, .checks)
        #expect(lean.traceHash == full.traceHash && lean.events == full.events)
        #expect(lean.checks == full.checks)
        #expect(lean.metrics.map { "\($0)=\($1)" } == full.metrics.map { "\($0)=\($1)" })
        // Only rare events are kept: faults, drops and a few node events, not sends or deliveries.
        let kept = run.simulator.trace.retainedEvents
        #expect(kept.count < full.events / 10, "\(kept.count) of \(full.events)")
        #expect(kept.allSatisfy(RunRecord.retainedForChecks))
        #expect(!run.simulator.trace.retainsEvents)
    }

    @Test("a trace written as it is recorded is the trace kept in memory, line for line")
    func writtenAsRecorded() throws {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent("04-frontend-failover.json").path)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (full, _) = RunResult.simulate(experiment, retention: .everything)
        let (lean, _) = RunResult.simulate(experiment, retention: .checks) { run in
            #expect(throws: Never.self) { try run.simulator.trace.writeEvents(to: path) }
        }
        try lean.simulator.trace.finishWriting()
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == full.simulator.trace.jsonLines())
        #expect(written.split(separator: "\n").count == lean.simulator.trace.count)
    }

    @Test("a trace file that cannot be created is an error naming it")
    func unwritable() {
        let recorder = TraceRecorder(retention: .hashOnly)
        let error = #expect(throws: TraceFileError.self) { try recorder.writeEvents(to: "/nonexistent-dir/trace.jsonl") }
        #expect(error?.description.contains("/nonexistent-dir/trace.jsonl") == true)
    }
}
