import ClusterSim
import Foundation
import Glibc

// Child processes started by the tests (the built `simctl`).
//
// A child's exit and the end of its output are two different events: when the exit is reported,
// the child's last lines may still sit in the pipe, not yet taken by the thread that reads it. So
// output read after an exit is read only once the reader has seen end of file: `runProcess` reads
// both pipes to end of file before it reaps the child, and `LineProcess` waits for its reader's
// end of file as well as for the exit (`waitForEnd(within:)`, `stop(grace:)`). Every wait is woken
// by the event itself (the termination handler, a line, the end of file): nothing sleeps or polls,
// and the bounds are only deadlines for a hang, generous for a loaded machine.
//
// The pipes are close-on-exec (`ChildProcess.makePipe`): tests start children from several threads
// at once, and a plain pipe's write end inherited by another test's child would hold back this
// child's end of file until that other child exits.

/// Runs `executable` with `arguments`, `input` written to its standard input (or none), and waits
/// for it. Standard output and standard error are both read to end of file (error and input on
/// threads of their own, so that no pipe can fill up and block the child) before it is reaped.
/// - Returns: its exit status and what it printed.
func runProcess(_ executable: URL, _ arguments: [String], input: String? = nil)
    throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    let out = try ChildProcess.makePipe(for: executable.path), err = try ChildProcess.makePipe(for: executable.path)
    let stdin = try input.map { _ in try ChildProcess.makePipe(for: executable.path) }
    p.standardInput = stdin?.reading ?? FileHandle.nullDevice
    p.standardOutput = out.writing
    p.standardError = err.writing
    try ChildProcess.start(p)
    // The child has its own copies now; ours would keep end of file (and a reader's EOF) away.
    try out.writing.close()
    try err.writing.close()
    try stdin?.reading.close()
    let helpers = DispatchGroup()
    let errText = ThreadResult<Data>()
    helpers.enter()
    Thread {
        errText.value = err.reading.readDataToEndOfFile()
        helpers.leave()
    }.start()
    if let stdin, let input {
        // A child that stops reading early gives EPIPE on the write, not a SIGPIPE that would end
        // the test process (the tests' sockets write with MSG_NOSIGNAL, so nothing relies on it).
        signal(SIGPIPE, SIG_IGN)
        helpers.enter()
        Thread {
            try? stdin.writing.write(contentsOf: Data(input.utf8))
            try? stdin.writing.close()
            helpers.leave()
        }.start()
    }
    let o = out.reading.readDataToEndOfFile()
    helpers.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errText.value ?? Data(), as: UTF8.self))
}

/// A value one thread sets and another reads after a wait that orders the two (a group, a join).
private final class ThreadResult<Value>: @unchecked Sendable {
    var value: Value?
}

/// A running child process whose standard output is read line by line, as it comes, by a thread
/// of its own. While the child runs, `output` is what arrived so far; after `waitForEnd(within:)`
/// returned true or after `stop(grace:)`, it is everything the child printed.
final class LineProcess: @unchecked Sendable {
    /// Where the child's standard error goes.
    enum StandardError { case discarded, mergedWithOutput }

    let process = Process()
    private let state = State()

    /// Starts `executable` with `arguments`, its standard input at /dev/null.
    init(_ executable: URL, _ arguments: [String], standardError: StandardError = .discarded) throws {
        process.executableURL = executable
        process.arguments = arguments
        let out = try ChildProcess.makePipe(for: executable.path)
        process.standardOutput = out.writing
        process.standardError = standardError == .mergedWithOutput ? out.writing : FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Set before the start, so the exit cannot be missed.
        process.terminationHandler = { [state] _ in state.update { $0.exited = true } }
        try ChildProcess.start(process)
        try out.writing.close()  // the child's copy is the only one left: its end is end of file
        let handle = out.reading
        let thread = Thread { [state] in
            var pending = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                pending.append(chunk)
                var complete: [String] = []
                while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    complete.append(String(decoding: pending[pending.startIndex..<nl], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...nl)
                }
                if !complete.isEmpty { state.update { $0.lines += complete } }
            }
            let last = pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
            state.update { s in
                if let last { s.lines.append(last) }
                s.endOfFile = true
            }
        }
        thread.start()
    }

    /// The lines read so far (all of them once the output ended).
    var output: [String] { state.read { $0.lines } }

    /// Waits up to `seconds` until `condition` holds for the lines read so far, woken by each new
    /// line. Stops early, false, when the output ended without it.
    /// - Returns: whether it held.
    func wait(seconds: Double, until condition: ([String]) -> Bool) -> Bool {
        state.wait(seconds: seconds) { s in condition(s.lines) || s.endOfFile } && condition(output)
    }

    /// The first line containing `text`, waiting up to `seconds` for it.
    func line(containing text: String, seconds: Double = 30) -> String? {
        guard wait(seconds: seconds, until: { $0.contains { $0.contains(text) } }) else { return nil }
        return output.first { $0.contains(text) }
    }

    /// The `HOST:PORT` after `listening on ` in the first such line, waiting up to `seconds`.
    func listeningAddress(seconds: Double = 30) -> String? {
        guard let line = line(containing: "listening on ", seconds: seconds),
              let range = line.range(of: "listening on ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// Sends `signal` unless the child has exited.
    func kill(_ signal: Int32) {
        if !state.read({ $0.exited }) { Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits up to `seconds` for the child to exit and for its output to end.
    /// - Returns: whether both happened (then `process.terminationStatus` and `output` are final).
    @discardableResult
    func waitForEnd(within seconds: Double) -> Bool {
        state.wait(seconds: seconds) { $0.exited && $0.endOfFile }
    }

    /// SIGTERM; SIGKILL if the child has not ended `grace` seconds later (a deadline for a hang,
    /// not an expected duration); then waits for its exit and the end of its output.
    /// - Returns: whether it ended on SIGTERM.
    @discardableResult
    func stop(grace: Double = 30) -> Bool {
        kill(SIGTERM)
        if waitForEnd(within: grace) { return true }
        kill(SIGKILL)
        process.waitUntilExit()
        waitForEnd(within: 30)
        return false
    }

    /// The lines, the exit and the end of file, under one condition.
    private final class State: @unchecked Sendable {
        struct Fields {
            var lines: [String] = []
            var exited = false
            var endOfFile = false
        }
        private let condition = NSCondition()
        private var fields = Fields()

        func update(_ change: (inout Fields) -> Void) {
            condition.lock()
            change(&fields)
            condition.broadcast()
            condition.unlock()
        }

        func read<T>(_ body: (Fields) -> T) -> T {
            condition.lock()
            defer { condition.unlock() }
            return body(fields)
        }

        /// Waits up to `seconds` until `done` holds. - Returns: whether it held.
        func wait(seconds: Double, until done: (Fields) -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            condition.lock()
            defer { condition.unlock() }
            while !done(fields) {
                guard condition.wait(until: deadline) else { return done(fields) }
            }
            return true
        }
    }
}
