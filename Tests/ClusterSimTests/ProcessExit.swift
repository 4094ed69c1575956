import Foundation

extension Process {
    /// Waits for this running process to exit, up to `seconds`, on its termination event (no
    /// polling, no sleep).
    /// - Returns: whether it exited in time.
    @discardableResult
    func waitForExit(within seconds: Double) -> Bool {
        let exited = DispatchSemaphore(value: 0)
        terminationHandler = { _ in exited.signal() }
        // It may have exited before the handler was set.
        if !isRunning { return true }
        return exited.wait(timeout: .now() + seconds) == .success || !isRunning
    }
}
