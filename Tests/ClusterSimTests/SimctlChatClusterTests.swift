import Foundation
import Glibc
import NetModel
import Nodes
import Synchronization
import Testing

/// A `simctl` child process whose output lines are collected as they come; waits are woken by
/// each new line (a condition), bounded, never a sleep.
private final class LineProcess: @unchecked Sendable {
    let process = Process()
    private let lines = Mutex<[String]>([])
    private let arrived = NSCondition()

    init(_ simctl: URL, _ arguments: [String]) throws {
        process.executableURL = simctl
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let handle = out.fileHandleForReading
        try process.run()
        Thread { [self] in
            var pending = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    arrived.lock()
                    lines.withLock { $0.append(line) }
                    arrived.broadcast()
                    arrived.unlock()
                }
            }
        }.start()
    }

    var output: [String] { lines.withLock { $0 } }

    /// The first line containing `text`, waiting up to `seconds` for it.
    func line(containing text: String, seconds: Double = 15) -> String? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        arrived.lock()
        defer { arrived.unlock() }
        while true {
            if let found = output.first(where: { $0.contains(text) }) { return found }
            guard arrived.wait(until: deadline) else { return output.first { $0.contains(text) } }
        }
    }

    /// The `HOST:PORT` after `listening on ` in the first such line.
    func listeningAddress(seconds: Double = 15) -> String? {
        guard let line = line(containing: "listening on ", seconds: seconds),
              let range = line.range(of: "listening on ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    /// SIGTERM, then SIGKILL after 5 s; waits for the exit.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        if !process.waitForExit(within: 5), process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

@Suite("simctl chat-server --management: two chat servers on one multi-process cluster")
struct SimctlChatClusterTests {
    @Test("A room made through one chat-server process is shared with another; SIGTERM on one gives the leave notice")
    func twoProcesses() throws {
        let simctl = try #require(builtSimctl())
        let timing = ["--ping-interval", "200ms", "--ping-timeout", "1s"]
        let management = try LineProcess(simctl, ["node", "--role", "management", "--listen", "127.0.0.1:0"] + timing)
        defer { management.stop() }
        let manager = try #require(management.listeningAddress(), "management: \(management.output)")
        var nodes: [LineProcess] = []
        defer { for node in nodes { node.stop() } }
        for role in ["session", "chat"] {
            let node = try LineProcess(simctl, ["node", "--role", role, "--management", manager] + timing)
            nodes.append(node)
            _ = try #require(node.listeningAddress(), "\(role): \(node.output)")
        }
        var doors: [LineProcess] = []
        defer { for door in doors { door.stop() } }
        var ports: [Int] = []
        for (i, format) in ["json", "protobuf"].enumerated() {
            let door = try LineProcess(simctl, ["chat-server", "--port", "0", "--format", format, "--management", manager,
                                                "--name", "chat-door-\(i + 1)"] + timing)
            doors.append(door)
            let address = try #require(door.listeningAddress(), "chat-door-\(i + 1): \(door.output)")
            ports.append(try #require(Int(address.split(separator: ":").last ?? "")))
        }

        let alice = try ClusterChatClient(port: ports[0], format: .json)
        let bob = try ClusterChatClient(port: ports[1], format: .protobuf)
        let aliceName = try alice.defaultName, bobName = try bob.defaultName
        try alice.send(.createRoom(title: "hello world"))
        #expect(try alice.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        try bob.send(.rooms)
        #expect(try bob.next() == .roomsResult([ChatRoomInfo(roomID: 1, title: "hello world", members: [aliceName])]))
        try bob.send(.joinRoom(1))
        #expect(try bob.nextSystem() == "방제[hello world] 방에 입장했습니다.")
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 입장했습니다.")
        try alice.send(.chat("안녕하세요"))
        #expect(try bob.next() == .chat(member: aliceName, text: "안녕하세요"))

        doors[1].stop()   // SIGTERM: a clean stop, bob leaves the room
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 퇴장했습니다.")
        #expect(doors[1].process.terminationStatus == 0)
        #expect(doors[1].output.contains("chat-server stopped"))
    }

    @Test("Misused options say what is wrong and exit 2", arguments: [
        (["chat-server", "--port", "0", "--name", "chat-door-1"], "needs --management"),
        (["chat-server", "--port", "0", "--management", "127.0.0.1:1", "--name", "frontend-1"], "expects chat-door-N"),
        (["node", "--role", "chat-door", "--management", "127.0.0.1:1"], "a chat door runs inside 'simctl chat-server --management'"),
    ])
    func usage(arguments: [String], message: String) throws {
        let simctl = try #require(builtSimctl())
        let out = try runProcess(simctl, arguments)
        #expect(out.status == 2)
        #expect(out.stderr.contains(message), "stderr: \(out.stderr)")
    }
}
