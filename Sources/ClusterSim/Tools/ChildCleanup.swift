import Foundation
import Glibc
import Synchronization

/// What a command-line tool that starts child processes (sweep, diff, swarm, shrink, bench)
/// cleans up when it is interrupted: its running children (SIGTERM, then SIGKILL after a grace)
/// and its temporary files and folders. `installSignalHandling()` first thing in the command;
/// `ChildProcess.run` tracks its children itself. Real-time tooling only, never simulated code.
package enum ChildCleanup {
    private struct State {
        var pids: Set<Int32> = []
        var paths: Set<String> = []
        var installed = false
        var interrupted = false
    }

    private static let state = Mutex(State())
    /// The thread waiting for the signals.
    nonisolated(unsafe) private static var watcher: pthread_t?

    /// The signals that interrupt a tool.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Starts watching for SIGINT, SIGTERM and SIGHUP on a thread of its own: on one, every
    /// tracked child is stopped, every registered path removed, a line printed on standard error,
    /// and the process exits with 128 + the signal's number. Call it before starting any thread
    /// (the signals are blocked in the calling thread and the threads it starts). Idempotent.
    package static func installSignalHandling() {
        guard state.withLock({ s -> Bool in
            defer { s.installed = true }
            return !s.installed
        }) else { return }
        var blocked = signalSet()
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        // An ignored signal (a background job's SIGINT) is discarded before sigwait sees it: a
        // handler instead, which a thread started earlier (and not blocking it) passes on.
        for n in signals { signal(n) { if let w = ChildCleanup.watcher { pthread_kill(w, $0) } } }
        let thread = Thread {
            ChildCleanup.watcher = pthread_self()
            var received: Int32 = 0
            var waitSet = signalSet()
            sigwait(&waitSet, &received)
            let (children, removed) = cleanUp()
            let line = "simctl: interrupted by signal \(received): stopped \(children) child process"
                + "\(children == 1 ? "" : "es"), removed \(removed) temporary path\(removed == 1 ? "" : "s")\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
            _exit(128 + received)
        }
        thread.name = "child-cleanup"
        thread.start()
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for n in signals { sigaddset(&set, n) }
        return set
    }

    /// After an interruption, parks the calling thread for good (the process is about to exit
    /// with the signal's status): a thread whose child was just stopped must not go on to report
    /// that child's failure and exit with another status first.
    package static func parkIfInterrupted() {
        guard state.withLock({ $0.interrupted }) else { return }
        while true { pause() }
    }

    /// Tracks a running child (stopped on interruption).
    package static func track(_ pid: Int32) { state.withLock { _ = $0.pids.insert(pid) } }
    /// Forgets a child that exited (and was reaped).
    package static func untrack(_ pid: Int32) { state.withLock { _ = $0.pids.remove(pid) } }
    /// Registers a temporary file or folder to remove on interruption.
    package static func removeOnInterrupt(_ path: String) { state.withLock { _ = $0.paths.insert(path) } }
    /// Forgets a path removed by its owner.
    package static func forget(_ path: String) { state.withLock { _ = $0.paths.remove(path) } }

    /// Stops the tracked children (SIGTERM; SIGKILL to those still tracked after 2 s) and removes
    /// the registered paths.
    /// - Returns: how many children were signalled and how many paths removed.
    @discardableResult
    package static func cleanUp() -> (children: Int, paths: Int) {
        let pids = state.withLock { s -> Set<Int32> in
            s.interrupted = true
            return s.pids
        }
        for pid in pids { kill(pid, SIGTERM) }
        // The threads that started them reap them and untrack them; wait for that a while.
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline, !state.withLock({ $0.pids.isDisjoint(with: pids) }) { usleep(20_000) }
        for pid in state.withLock({ $0.pids.intersection(pids) }) { kill(pid, SIGKILL) }
        let paths = state.withLock { s -> Set<String> in
            defer { s.paths.removeAll() }
            return s.paths
        }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        return (pids.count, paths.count)
    }
}

/// A child process that dies with its parent: the parent puts its pid in the child's environment
/// (`environment`); the child calls `dieWithParentIfAsked()` at its start, which asks Linux for
/// SIGTERM when the parent dies (`prctl(PR_SET_PDEATHSIG)`) and exits at once if the parent is
/// already gone (it died between the fork and the `prctl`).
package enum ParentWatch {
    /// The variable carrying the parent's pid.
    package static let environmentVariable = "CLUSTERSIM_PARENT_PID"

    /// What a parent adds to its child's environment.
    package static var environment: [String: String] { [environmentVariable: String(getpid())] }

    /// In a child: dies with the parent named in the environment, if any (then forgets the variable,
    /// so the child's own children are not tied to their grandparent).
    package static func dieWithParentIfAsked() {
        guard let text = getenv(environmentVariable).map({ String(cString: $0) }), let parent = Int32(text) else { return }
        unsetenv(environmentVariable)
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        // prctl is variadic in C, so Swift cannot call it directly: look it up with its Linux ABI.
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "prctl") {
            _ = unsafeBitCast(symbol, to: Prctl.self)(1 /* PR_SET_PDEATHSIG */, UInt(SIGTERM), 0, 0, 0)
        }
        if getppid() != parent {
            _ = "simctl: the parent process \(parent) is gone; exiting\n".withCString { write(2, $0, strlen($0)) }
            _exit(1)
        }
    }
}
