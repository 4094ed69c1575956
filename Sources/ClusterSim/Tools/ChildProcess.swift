import Foundation
import Glibc

/// A program that could not be started.
package struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// The program's path.
    package let path: String
    /// Why it could not start.
    package let reason: String
    /// `cannot start PATH: REASON`.
    package var description: String { "cannot start \(path): \(reason)" }
}

/// Runs another program and collects what it printed (real time: used by the command-line tools,
/// never by simulated code).
package enum ChildProcess {
    /// What a finished child process left.
    package struct Output: Sendable {
        /// The exit status, or the signal number when `signalled`.
        package var status: Int32
        /// Whether a signal ended the process (a crash).
        package var signalled: Bool
        /// Its standard output.
        package var stdout: String
        /// Its standard error.
        package var stderr: String
    }

    /// Runs `executable` with `arguments`, this process's environment plus `environment`, and
    /// waits for it. Standard error goes to a temporary file, so a chatty child never blocks on a
    /// full pipe while standard output is read.
    /// - Returns: its status and output.
    /// - Throws: ``ChildProcessError`` when it cannot be started.
    package static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws(ChildProcessError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // The child dies with this process (ParentWatch), so an interrupted tool leaves none behind.
        process.environment = ProcessInfo.processInfo.environment
            .merging(environment) { _, new in new }
            .merging(ParentWatch.environment) { _, new in new }
        let out = try makePipe(for: executable)
        let errURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("clustersim-child-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max)).err")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let err = try? FileHandle(forWritingTo: errURL) else {
            throw ChildProcessError(path: executable, reason: "cannot create a temporary file for its standard error")
        }
        ChildCleanup.removeOnInterrupt(errURL.path)
        defer {
            try? FileManager.default.removeItem(at: errURL)
            ChildCleanup.forget(errURL.path)
        }
        process.standardOutput = out.writing
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try start(process)
        } catch {
            try? err.close()
            throw ChildProcessError(path: executable, reason: error.localizedDescription)
        }
        // Only the child holds the write end now: end of file comes when it (and whatever it
        // started with that standard output) is done writing. Read to it before reaping.
        try? out.writing.close()
        let pid = process.processIdentifier
        ChildCleanup.track(pid)
        let stdout = out.reading.readDataToEndOfFile()
        process.waitUntilExit()
        ChildCleanup.untrack(pid)
        ChildCleanup.parkIfInterrupted()
        try? err.close()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Held while a pipe for a child is made (until both ends are close-on-exec) and while a child
    /// starts, so that no child started through ``start(_:)`` inherits a pipe half made.
    private static let spawning = NSLock()

    /// A pipe whose two ends are close-on-exec, for a child's standard stream (`Process` gives the
    /// child its end with `dup2`, which clears the flag on the copy).
    ///
    /// `Foundation.Pipe` makes plain descriptors: a child started at the same time from another
    /// thread can inherit them, and then the reader of one child's output sees end of file only
    /// when that other child exits too. The parent must close its copy of the child's end once
    /// the child has started (``start(_:)``).
    /// - Throws: ``ChildProcessError`` (naming `executable`) when no pipe can be made.
    package static func makePipe(for executable: String) throws(ChildProcessError) -> (reading: FileHandle, writing: FileHandle) {
        spawning.lock()
        defer { spawning.unlock() }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw ChildProcessError(path: executable, reason: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true),
                FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
    }

    /// Starts `process` (`run()`), never while a pipe of ``makePipe(for:)`` is being made.
    /// - Throws: what `run()` throws.
    package static func start(_ process: Process) throws {
        spawning.lock()
        defer { spawning.unlock() }
        try process.run()
    }

    /// The path of the running executable (`/proc/self/exe` on Linux, else the first argument).
    package static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
