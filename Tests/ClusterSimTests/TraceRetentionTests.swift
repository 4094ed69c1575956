import Foundation
import Testing
import NetModel
@testable import ClusterSim

/// Runs `body` on a thread of its own and returns its result: a long simulation or a wait for a
/// child process must not hold one of the cooperative pool's few threads (other tests wait on
/// them). Expectations go after, in the test itself.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
        let thread = Thread { done.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 24
        thread.start()
    }
}

@Suite("What a run's trace keeps: everything, what the checks read, or only the hash")
struct TraceRetentionTests {
    /// Runs `file` at its seed keeping what `retention` says.
    static func run(_ file: String, _ retention: TraceRetention) throws -> (ClusterRun, RunResult) {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent(file).path)
        return RunResult.simulate(experiment, retention: retention)
    }

    struct Compared: Sendable {
        var full: RunResult, lean: RunResult
        var kept: Int, keptOnlyRare: Bool, leanRetainsAll: Bool
    }

    @Test("keeping only what the checks read gives the same hash, checks and metrics as keeping everything",
          arguments: ["04-frontend-failover.json", "09-auth-attacks.json", "10-chat-rooms.json",
                      "12-duplication-and-loss.json", "13-chat-restart.json"])
    func sameVerdict(file: String) async throws {
        let c = try await offThePool {
            let (_, full) = try Self.run(file, .everything)
            let (run, lean) = try Self.run(file, .checks)
            let kept = run.simulator.trace.retainedEvents
            return Compared(full: full, lean: lean, kept: kept.count, keptOnlyRare: kept.allSatisfy(RunRecord.retainedForChecks),
                            leanRetainsAll: run.simulator.trace.retainsEvents)
        }
        #expect(c.lean.traceHash == c.full.traceHash && c.lean.events == c.full.events)
        #expect(c.lean.checks == c.full.checks)
        #expect(c.lean.metrics.map { "\($0)=\($1)" } == c.full.metrics.map { "\($0)=\($1)" })
        // Only rare events are kept: faults, drops and a few node events, not sends or deliveries.
        #expect(c.kept < c.full.events / 10, "\(c.kept) of \(c.full.events)")
        #expect(c.keptOnlyRare && !c.leanRetainsAll)
    }

    @Test("a trace written as it is recorded is the trace kept in memory, line for line")
    func writtenAsRecorded() async throws {
        let experiment = try Experiment.load(path: experimentsDirectory.appendingPathComponent("04-frontend-failover.json").path)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (written, expected, count) = try await offThePool {
            let (full, _) = RunResult.simulate(experiment, retention: .everything)
            var opened: (any Error)?
            let (lean, _) = RunResult.simulate(experiment, retention: .checks) { run in
                do { try run.simulator.trace.writeEvents(to: path) } catch { opened = error }
            }
            if let opened { throw opened }
            try lean.simulator.trace.finishWriting()
            return (try String(contentsOfFile: path, encoding: .utf8), full.simulator.trace.jsonLines(), lean.simulator.trace.count)
        }
        #expect(written == expected)
        #expect(written.split(separator: "\n").count == count)
    }

    @Test("a trace file that cannot be created is an error naming it")
    func unwritable() {
        let recorder = TraceRecorder(retention: .hashOnly)
        let error = #expect(throws: TraceFileError.self) { try recorder.writeEvents(to: "/nonexistent-dir/trace.jsonl") }
        #expect(error?.description.contains("/nonexistent-dir/trace.jsonl") == true)
    }
}
