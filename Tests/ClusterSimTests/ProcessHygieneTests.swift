import ClusterSim
import Foundation
import Glibc
import Testing

/// The processes whose environment carries `marker` (every descendant of a child started with it).
private func processes(marked marker: String) -> [Int32] {
    let needle = Data("CLUSTERSIM_TEST_MARKER=\(marker)".utf8)
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard pid != getpid(), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        return environ.range(of: needle) != nil
    }
}

/// A `simctl` child with a marker in its environment, its output to a pipe read on a thread.
/// Every wait is woken by its event — a chunk of output or its end, the child's exit, an exec of
/// `simctl`, a pidfd — and bounded by a deadline for a hang, generous for a loaded machine.
private final class MarkedChild: @unchecked Sendable {
    let process = Process()
    let marker = UUID().uuidString
    let exited = DispatchSemaphore(value: 0)
    /// Woken by every exec of `simctl` (started before the child, so no start is missed).
    private let starts: ProgramStarts
    private let condition = NSCondition()
    private var text = ""
    private var endOfFile = false
    let out: (reading: FileHandle, writing: FileHandle)

    init(_ simctl: URL, _ arguments: [String], readOutput: Bool = true) throws {
        starts = try ProgramStarts(of: simctl.path)
        process.executableURL = simctl
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["CLUSTERSIM_TEST_MARKER": marker]) { _, n in n }
        process.currentDirectoryURL = repositoryRoot
        out = try ChildProcess.makePipe(for: simctl.path)
        process.standardOutput = out.writing
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [exited] _ in exited.signal() }
        try ChildProcess.start(process)
        try out.writing.close()
        if readOutput {
            let reading = out.reading
            Thread { [self] in
                while true {
                    let chunk = reading.availableData
                    condition.lock()
                    if chunk.isEmpty { endOfFile = true } else { text += String(decoding: chunk, as: UTF8.self) }
                    condition.broadcast()
                    condition.unlock()
                    if chunk.isEmpty { break }
                }
            }.start()
        }
    }

    var output: String {
        condition.lock()
        defer { condition.unlock() }
        return text
    }

    /// Waits up to `seconds` until the output contains `needle`, woken by each chunk; stops early,
    /// false, at the end of the output.
    func waitForOutput(containing needle: String, within seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !text.contains(needle) {
            guard !endOfFile, condition.wait(until: deadline) else { return text.contains(needle) }
        }
        return true
    }

    /// Waits up to `seconds` for the end of the output (then `output` is all of it).
    func waitForEndOfOutput(within seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !endOfFile {
            guard condition.wait(until: deadline) else { return endOfFile }
        }
        return true
    }

    /// Waits up to `seconds` until at least `count` processes carry the marker (the child and
    /// what it started), checked again at each exec of `simctl`.
    func waitForProcesses(atLeast count: Int, within seconds: Double) -> Bool {
        starts.wait(seconds: seconds) { processes(marked: marker).count >= count }
    }

    /// Waits up to `seconds` for the child to exit.
    func waitForExit(_ seconds: Double) -> Bool { exited.wait(timeout: .now() + seconds) == .success }

    /// Every process of this child's tree gone (up to 10 s): waits on a pidfd of each marked
    /// process, then looks again (a process may have started another before it ended).
    func treeGone() -> Bool {
        let deadline = Date(timeIntervalSinceNow: 10)
        while case let left = processes(marked: marker), !left.isEmpty {
            guard awaitExit(of: left, until: deadline) else { return false }
        }
        return true
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for pid in processes(marked: marker) { kill(pid, SIGKILL) }
    }
}

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("Process hygiene: interrupted tools and cluster up leave nothing behind", .serialized)
struct ProcessHygieneTests {
    @Test("SIGINT on sweep stops its children and removes their temporary files")
    func sweepInterrupted() throws {
        let simctl = try #require(builtSimctl())
        // One job at a time, on a mid-sized experiment: the children need only live until the signal.
        let sweep = try MarkedChild(simctl, ["sweep", "Experiments/04-frontend-failover.json", "--seeds", "1-50", "--jobs", "1"])
        let pid = sweep.process.processIdentifier
        try #require(sweep.waitForProcesses(atLeast: 2, within: 20), "no child run started")  // sweep and a child
        kill(pid, SIGINT)
        try #require(sweep.waitForExit(20), "sweep did not stop on SIGINT")
        #expect(sweep.process.terminationStatus == 128 + SIGINT)
        #expect(sweep.treeGone(), "children left: \(processes(marked: sweep.marker))")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()))?
            .filter { $0.hasPrefix("clustersim-child-\(pid)-") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("SIGTERM on diff stops its children and removes its temporary folder")
    func diffInterrupted() throws {
        let simctl = try #require(builtSimctl())
        let diff = try MarkedChild(simctl, ["diff", "Experiments/04-frontend-failover.json", "--seed", "3"])
        let pid = diff.process.processIdentifier
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("simctl-diff-\(pid)").path
        try #require(diff.waitForProcesses(atLeast: 2, within: 20), "no child run started")  // diff and a child
        #expect(FileManager.default.fileExists(atPath: folder))
        kill(pid, SIGTERM)
        try #require(diff.waitForExit(20), "diff did not stop on SIGTERM")
        #expect(diff.process.terminationStatus == 128 + SIGTERM)
        #expect(diff.treeGone(), "children left: \(processes(marked: diff.marker))")
        #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) was left behind")
    }

    @Test("SIGHUP on cluster up stops every node process")
    func clusterUpHangUp() throws {
        let simctl = try #require(builtSimctl())
        let cluster = try MarkedChild(simctl, ["cluster", "up", "--frontends", "1", "--no-chat", "--clients", "2"])
        try #require(cluster.waitForOutput(containing: "cluster up:", within: 30), "no cluster: \(cluster.output)")
        #expect(processes(marked: cluster.marker).count >= 4)
        kill(cluster.process.processIdentifier, SIGHUP)
        try #require(cluster.waitForExit(30), "cluster up did not stop on SIGHUP")
        #expect(cluster.process.terminationStatus == 0)
        #expect(cluster.treeGone(), "left: \(processes(marked: cluster.marker))")
        #expect(cluster.output.contains("stopping on signal \(SIGHUP) (SIGHUP)"))
        #expect(cluster.output.contains("cluster: every process stopped"))
    }

    @Test("cluster up whose standard output closes (a dead 'tee') stops every node process")
    func clusterUpBrokenPipe() throws {
        let simctl = try #require(builtSimctl())
        let cluster = try MarkedChild(simctl, ["cluster", "up", "--frontends", "1", "--no-chat", "--clients", "2"], readOutput: false)
        // Read until the first line, then close the reading end: every later write fails.
        let first = firstLine(of: cluster.out.reading, within: 30)
        try #require(first?.last == UInt8(ascii: "\n"), "no first line")
        try cluster.out.reading.close()
        try #require(cluster.waitForExit(45), "cluster up did not stop when its output closed")
        #expect(cluster.process.terminationStatus == 0)
        #expect(cluster.treeGone(), "left: \(processes(marked: cluster.marker))")
    }

    @Test("SIGKILL on cluster up: its nodes die with it")
    func clusterUpKilled() throws {
        let simctl = try #require(builtSimctl())
        let cluster = try MarkedChild(simctl, ["cluster", "up", "--frontends", "1", "--no-chat"])
        try #require(cluster.waitForOutput(containing: "cluster up:", within: 30), "no cluster: \(cluster.output)")
        kill(cluster.process.processIdentifier, SIGKILL)
        try #require(cluster.waitForExit(10))
        #expect(cluster.treeGone(), "left: \(processes(marked: cluster.marker))")
    }

    @Test("simctl node and chat-server stop cleanly on SIGTERM and SIGINT with a 'stopped' line and exit 0",
          arguments: [SIGTERM, SIGINT])
    func serversStop(signal: Int32) throws {
        let simctl = try #require(builtSimctl())
        for (arguments, stopped) in [(["node", "--role", "management", "--listen", "127.0.0.1:0", "--insecure"], "management-1 stopped"),
                                     (["chat-server", "--port", "0"], "chat-server stopped")] {
            let server = try MarkedChild(simctl, arguments)
            try #require(server.waitForOutput(containing: "listening on", within: 20), "\(arguments): \(server.output)")
            kill(server.process.processIdentifier, signal)
            try #require(server.waitForExit(20), "\(arguments[0]) did not stop")
            #expect(server.process.terminationStatus == 0 && server.process.terminationReason == .exit)
            #expect(server.waitForEndOfOutput(within: 20) && server.output.contains(stopped), "\(server.output)")
        }
    }
}
