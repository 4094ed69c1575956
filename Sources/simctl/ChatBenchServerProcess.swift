import ClusterSim
import Foundation
import Glibc

/// The chat server under benchmark: `simctl chat-server` started as a separate process (this
/// same executable), whose CPU time is read from `/proc/PID/stat`.
final class ChatBenchServerProcess {
    let process = Process()
    private let output = Pipe()
    /// The port it listens on, read from its first line of output.
    private(set) var port = 0

    /// The `HOST:PORT` of its listening line.
    private(set) var address = ""

    /// Starts `simctl chat-server --port 0 ...` and waits (up to 10 s) for its listening line.
    /// - Throws: `BenchChatError` when it cannot start or does not say where it listens.
    convenience init(format: String, workers: Int, extra: [String] = []) throws {
        try self.init(["chat-server", "--port", "0", "--format", format, "--workers", String(workers)] + extra)
    }

    /// Starts `simctl ARGUMENTS` (a command that prints '... listening on HOST:PORT ...' first) and
    /// waits (up to 10 s, or the command's own wait) for that line.
    /// - Throws: `BenchChatError` when it cannot start or does not say where it listens.
    /// With `SIMCTL_BENCH_CHILD_WRAPPER` set (e.g. `valgrind --tool=callgrind
    /// --callgrind-out-file=cg.%p`), each child runs under that command (instruction counts per
    /// process).
    init(_ arguments: [String]) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let wrapper = ProcessInfo.processInfo.environment["SIMCTL_BENCH_CHILD_WRAPPER"].map { $0.split(separator: " ").map(String.init) } ?? []
        if wrapper.isEmpty {
            process.executableURL = executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = wrapper + [executable.path] + arguments
        }
        process.standardOutput = output
        process.environment = ProcessInfo.processInfo.environment.merging(ParentWatch.environment) { _, new in new }
        try process.run()
        ChildCleanup.track(process.processIdentifier)
        let reader = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(wrapper.isEmpty ? 10 : 120)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        let address = line.range(of: "listening on ").flatMap { line[$0.upperBound...].split(separator: " ").first }
        guard let address, let colon = address.split(separator: ":").last, let port = Int(colon) else {
            stop()
            throw BenchChatError("'simctl \(arguments.first ?? "")' did not report its port (first line: '\(line)')")
        }
        self.port = port
        self.address = String(address)
    }

    /// The server's CPU time so far (user + system), in microseconds.
    /// - Throws: `BenchChatError` when `/proc/PID/stat` cannot be read.
    func cpuMicroseconds() throws -> Double { try processCPUMicroseconds(process.processIdentifier) }

    /// Asks the process to stop (SIGTERM).
    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    }

    /// Waits up to `seconds` for the process to exit, then kills it.
    /// - Returns: the exit status, or `nil` when it had to be killed.
    @discardableResult
    func stop(waitingUpTo seconds: Double = 0) -> Int32? {
        defer { if !process.isRunning { ChildCleanup.untrack(process.processIdentifier) } }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }
}

/// A benchmark that could not run; the text says why.
struct BenchChatError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
