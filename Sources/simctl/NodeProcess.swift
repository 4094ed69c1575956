import ClusterSim
import Foundation
import Synchronization

/// A child process of `simctl cluster up`: its output read line by line on a thread of its own
/// (each line kept and, when `echo` is set, printed with the child's name in front).
///
/// The child's exit comes before its reader has taken the last lines from the pipe, so `stop`
/// also waits for the reader to reach end of file: every line the child printed has been echoed
/// when it returns.
final class NodeProcess: @unchecked Sendable {
    let name: String
    let process = Process()
    private let lines = Mutex<[String]>([])
    /// Signalled after each line and once at end of file.
    private let arrived = DispatchSemaphore(value: 0)
    /// Whether the reader has seen end of file (set after the last line was kept).
    private let endOfFile = Mutex(false)
    /// Signalled once, at end of file.
    private let readerDone = DispatchSemaphore(value: 0)
    /// Set when the parent stops the child (its exit is then expected, not reported).
    private let stopping = Mutex(false)

    /// Starts `executable` with `arguments` and this process's environment plus `environment`
    /// (secrets go there, never on the command line). The child dies with this process
    /// (`ParentWatch`); when it exits on its own, a line says so (`NAME (pid P) exited with
    /// status S` or `... was killed by signal N`).
    init(name: String, executable: URL, arguments: [String], environment: [String: String] = [:], echo: Bool) throws {
        self.name = name
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .merging(environment) { _, new in new }
            .merging(ParentWatch.environment) { _, new in new }
        let out = Pipe()
        process.standardOutput = out
        process.terminationHandler = { [weak self] p in
            guard let self, !self.stopping.withLock({ $0 }) else { return }
            say("cluster: \(Self.describeExit(of: p, name: name))")
        }
        try process.run()
        let handle = out.fileHandleForReading
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    lines.withLock { $0.append(line) }
                    if echo { say("[\(name)] \(line)") }
                    arrived.signal()
                }
            }
            endOfFile.withLock { $0 = true }
            readerDone.signal()
            arrived.signal()
        }
        thread.start()
    }

    /// The process id.
    var pid: Int32 { process.processIdentifier }

    /// Waits up to `timeout` for a line containing `text`.
    /// - Returns: the line, or nil on timeout or when the child's output ended first.
    func waitForLine(containing text: String, timeout: Duration) -> String? {
        let deadline = DispatchTime.now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000))
        while true {
            // End of file is read before the lines: a line kept before it is never missed.
            let ended = endOfFile.withLock { $0 }
            if let line = lines.withLock({ $0.first { $0.contains(text) } }) { return line }
            if ended { return nil }
            if arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// Sends SIGTERM and waits up to `grace`, then SIGKILL; then waits for the reader to reach end
    /// of file (up to 10 s more, in case a process of the child's own still holds the pipe).
    /// - Returns: the exit status (or the signal).
    @discardableResult
    func stop(grace: Duration = .seconds(3)) -> Int32 {
        stopping.withLock { $0 = true }
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        if !endOfFile.withLock({ $0 }) { _ = readerDone.wait(timeout: .now() + 10) }
        return process.terminationStatus
    }

    /// `NAME (pid P) exited with status S`, or `... was killed by signal N`.
    static func describeExit(of process: Process, name: String) -> String {
        let pid = process.processIdentifier
        return process.terminationReason == .uncaughtSignal
            ? "\(name) (pid \(pid)) was killed by signal \(process.terminationStatus)"
            : "\(name) (pid \(pid)) exited with status \(process.terminationStatus)"
    }
}
