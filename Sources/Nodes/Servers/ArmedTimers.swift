import NetModel

/// A shell's bookkeeping of the timers its core armed (`.schedule(timer, after:)` /
/// `.cancel(timer)`): at most one of each timer is armed, and a firing that is no longer the
/// armed one (cancelled too late: a paused process's timers are held and fire at its resume) is
/// told apart by its token and ignored.
struct ArmedTimers<Timer: Hashable & Sendable> {
    private var armed: [Timer: (id: TimerID, token: UInt64)] = [:]
    private var lastToken: UInt64 = 0

    /// Whether `timer` is armed.
    func isArmed(_ timer: Timer) -> Bool { armed[timer] != nil }

    /// Arms `timer` (cancelling it first when it is armed): `schedule` schedules it with `env`,
    /// the firing to hand its token to `fired(_:token:)`, and returns the environment's id.
    mutating func arm(_ timer: Timer, env: any NodeEnvironment, schedule: (_ token: UInt64) -> TimerID) {
        cancel(timer, env: env)
        lastToken += 1
        armed[timer] = (schedule(lastToken), lastToken)
    }

    /// Disarms `timer` (nothing when it is not armed).
    mutating func cancel(_ timer: Timer, env: any NodeEnvironment) {
        if let old = armed.removeValue(forKey: timer) { env.cancelTimer(old.id) }
    }

    /// A timer fired.
    /// - Returns: whether it is the armed one (it is disarmed then); false for a stale firing.
    mutating func fired(_ timer: Timer, token: UInt64) -> Bool {
        guard armed[timer]?.token == token else { return false }
        armed[timer] = nil
        return true
    }
}
