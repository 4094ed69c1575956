import Glibc

/// SIGINT, SIGTERM, SIGHUP and SIGPIPE taken synchronously by one thread: `block()` first thing
/// (before any thread starts, so every thread inherits the mask), `wait()` when the command has
/// nothing else to do. A server command stops cleanly on any of them: Ctrl-C, `kill`, the
/// terminal closing (SIGHUP), or its standard output's reader going away (SIGPIPE: a blocked
/// SIGPIPE cannot kill the process before its cleanup; a write then fails with EPIPE, and `say`
/// calls `requestStop()`).
///
/// A process started in the background by a non-interactive shell inherits SIGINT *ignored*, and
/// an ignored signal is discarded before `sigwait` can see it, so `block()` also installs a
/// handler. It runs only on a thread that started before `block()` (the runtime's own) and passes
/// the signal on to the waiting thread, where it stays pending until `wait()` takes it.
enum StopSignals {
    /// The thread that called `block()` (and will call `wait()`).
    nonisolated(unsafe) private static var waiter = pthread_self()
    /// Whether `block()` ran (only then does `requestStop()` signal anyone).
    nonisolated(unsafe) private static var blocked = false

    /// The signals that stop a server command.
    static let numbers: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGPIPE]

    private static func set() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        for n in numbers { sigaddset(&signals, n) }
        return signals
    }

    /// Blocks the stop signals in the calling thread and in the threads it starts afterwards.
    static func block() {
        waiter = pthread_self()
        for n in numbers { signal(n) { pthread_kill(StopSignals.waiter, $0) } }
        var signals = set()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        blocked = true
    }

    /// Waits for a stop signal.
    /// - Returns: the signal's number.
    static func wait() -> Int32 {
        var signals = set()
        var received: Int32 = 0
        sigwait(&signals, &received)
        return received
    }

    /// Asks the waiting thread to stop as on SIGPIPE (standard output is gone); any thread.
    static func requestStop() {
        guard blocked else { return }
        pthread_kill(waiter, SIGPIPE)
    }

    /// `signal N (NAME)`, for the "stopping" line.
    static func describe(_ number: Int32) -> String {
        let name = switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGPIPE: "SIGPIPE: standard output closed"
        default: "?"
        }
        return "signal \(number) (\(name))"
    }
}
