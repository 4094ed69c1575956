import ClusterSim
import Foundation
import Glibc
import NetModel

/// The reference server of `simctl bench chat --server redis`: `redis-server` from the PATH,
/// started on a free loopback port without persistence (`--save '' --appendonly no`), as
/// docs/performance.md's side-by-side runs start it.
final class RedisBenchServer {
    let process = Process()
    /// The port it listens on.
    let port: Int

    /// Starts `redis-server` on a free port of 127.0.0.1 and waits (up to 10 s) until it answers PING.
    /// - Throws: `BenchChatError` when `redis-server` is not on the PATH or does not answer.
    init() throws {
        guard let executable = Self.find("redis-server") else {
            throw BenchChatError("redis-server is not on the PATH (Debian: apt-get install redis-server)")
        }
        // A free port: the system picks one for a listening socket, which is closed again at once.
        let probe = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        port = Int(try probe.localAddress.port)
        probe.close()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--databases", "1"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        ChildCleanup.track(process.processIdentifier)
        do {
            try waitForPong()
        } catch {
            stop()
            throw error
        }
    }

    /// The process's CPU time so far (user + system), in microseconds.
    /// - Throws: `BenchChatError` when `/proc/PID/stat` cannot be read.
    func cpuMicroseconds() throws -> Double { try processCPUMicroseconds(process.processIdentifier) }

    /// Stops it (SIGTERM; SIGKILL after 5 s).
    func stop() {
        defer { ChildCleanup.untrack(process.processIdentifier) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private func waitForPong() throws {
        let deadline = Date().addingTimeInterval(10)
        var buffer = [UInt8](repeating: 0, count: 64)
        while Date() < deadline {
            guard process.isRunning else { throw BenchChatError("redis-server exited at start (status \(process.terminationStatus))") }
            guard let socket = try? Socket.connect(host: "127.0.0.1", port: port, timeoutMilliseconds: 200) else {
                usleep(20_000)
                continue
            }
            defer { socket.close() }
            try socket.writeAll(RESP.command(["PING"]))
            if case .bytes(let count) = try buffer.withUnsafeMutableBytes({ try socket.read(into: $0, waitingUpTo: 1000) }),
               buffer[..<count].starts(with: "+PONG".utf8) {
                return
            }
        }
        throw BenchChatError("redis-server on port \(port) did not answer PING within 10 s")
    }

    /// The first executable `name` in the PATH.
    private static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
