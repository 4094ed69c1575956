import Foundation

/// A program that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// The program's path.
    public let path: String
    /// Why it could not start.
    public let reason: String
    /// `cannot start PATH: REASON`.
    public var description: String { "cannot start \(path): \(reason)" }
}

/// Runs another program and collects what it printed (real time: used by the command-line tools,
/// never by simulated code).
public enum ChildProcess {
    /// What a finished child process left.
    public struct Output: Sendable {
        /// The exit status, or the signal number when `signalled`.
        public var status: Int32
        /// Whether a signal ended the process (a crash).
        public var signalled: Bool
        /// Its standard output.
        public var stdout: String
        /// Its standard error.
        public var stderr: String
    }

    /// Runs `executable` with `arguments`, this process's environment plus `environment`, and
    /// waits for it. Standard error goes to a temporary file, so a chatty child never blocks on a
    /// full pipe while standard output is read.
    /// - Returns: its status and output.
    /// - Throws: ``ChildProcessError`` when it cannot be started.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws(ChildProcessError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe()
        let errURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("clustersim-child-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max)).err")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let err = try? FileHandle(forWritingTo: errURL) else {
            throw ChildProcessError(path: executable, reason: "cannot create a temporary file for its standard error")
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? err.close()
            throw ChildProcessError(path: executable, reason: error.localizedDescription)
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? err.close()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The path of the running executable (`/proc/self/exe` on Linux, else the first argument).
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
