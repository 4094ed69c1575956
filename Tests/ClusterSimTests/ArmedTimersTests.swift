import NetModel
@testable import Nodes
import Testing
@testable import ClusterSim

/// The shells' timer bookkeeping (`ArmedTimers`): a firing that is no longer the armed one — a
/// timer cancelled or re-armed too late to stop it, as a paused process's held timers are — is
/// told apart by its token and ignored.
@Suite("ArmedTimers: stale firings are ignored")
struct ArmedTimersTests {
    enum Timer: Hashable, Sendable { case deadline, other }

    /// A node environment on a real simulator, for `cancelTimer`.
    private func environment() throws -> SimNodeEnvironment {
        let json = #"{"name": "timers", "duration": "1s", "cluster": {"frontends": 1}, "workload": {"clients": 1}}"#
        let run = ClusterRun(experiment: try Experiment.parse(json), seed: 1)
        return SimNodeEnvironment(name: NodeName(.session, 9), simulator: run.simulator,
                                  incarnation: 1, liveness: run.liveness)
    }

    @Test("only the armed token's firing counts, once; re-arming makes the earlier firing stale")
    func tokens() throws {
        let env = try environment()
        var timers = ArmedTimers<Timer>()
        var scheduled: [UInt64] = []
        timers.arm(.deadline, env: env) { token in scheduled.append(token); return TimerID(token) }
        timers.arm(.deadline, env: env) { token in scheduled.append(token); return TimerID(token) }   // re-armed
        timers.arm(.other, env: env) { token in scheduled.append(token); return TimerID(token) }
        #expect(scheduled.count == 3)
        let early = timers.fired(.deadline, token: scheduled[0])
        #expect(!early, "the first arming's firing came too late and must be ignored")
        #expect(timers.isArmed(.deadline))
        let current = timers.fired(.deadline, token: scheduled[1])
        #expect(current)
        #expect(!timers.isArmed(.deadline))
        let again = timers.fired(.deadline, token: scheduled[1])
        #expect(!again, "a timer fires once")
        let foreign = timers.fired(.other, token: scheduled[1])
        #expect(!foreign, "a token belongs to its own timer")
        timers.cancel(.other, env: env)
        let cancelled = timers.fired(.other, token: scheduled[2])
        #expect(!cancelled, "a cancelled timer's late firing is ignored")
    }
}
