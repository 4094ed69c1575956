import Glibc

/// SIGINT and SIGTERM taken synchronously by one thread: `block()` first thing (before any thread
/// starts, so every thread inherits the mask), `wait()` when the command has nothing else to do.
///
/// A process started in the background by a non-interactive shell inherits SIGINT *ignored*, and
/// an ignored signal is discarded before `sigwait` can see it, so `block()` also installs a
/// handler. It runs only on a thread that started before `block()` (the runtime's own) and passes
/// the signal on to the waiting thread, where it stays pending until `wait()` takes it.
enum StopSignals {
    /// The thread that called `block()` (and will call `wait()`).
    nonisolated(unsafe) private static var waiter = pthread_self()

    private static func set() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        return signals
    }

    /// Blocks SIGINT and SIGTERM in the calling thread and in the threads it starts afterwards.
    static func block() {
        waiter = pthread_self()
        signal(SIGINT) { pthread_kill(StopSignals.waiter, $0) }
        signal(SIGTERM) { pthread_kill(StopSignals.waiter, $0) }
        var signals = set()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Waits for SIGINT or SIGTERM.
    /// - Returns: the signal's number.
    static func wait() -> Int32 {
        var signals = set()
        var received: Int32 = 0
        sigwait(&signals, &received)
        return received
    }
}
