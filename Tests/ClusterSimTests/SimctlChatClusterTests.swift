import Foundation
import Glibc
import NetModel
import Nodes
import Synchronization
import Testing

@Suite("simctl chat-server --management: two chat servers on one multi-process cluster")
struct SimctlChatClusterTests {
    @Test("A room made through one chat-server process is shared with another; SIGTERM on one gives the leave notice")
    func twoProcesses() throws {
        let simctl = try #require(builtSimctl())
        // Nothing here waits for a ping timeout (a SIGTERM unregisters at once), so it is long: a
        // process stalled by a loaded machine must not be removed as dead mid-test.
        let timing = ["--ping-interval", "200ms", "--ping-timeout", "5s"]
        // The chat servers take the cluster secret from CLUSTERSIM_SECRET, unset here: the built-in one.
        let management = try LineProcess(simctl, ["node", "--role", "management", "--listen", "127.0.0.1:0", "--insecure"] + timing,
                                     standardError: .mergedWithOutput)
        defer { management.stop() }
        let manager = try #require(management.listeningAddress(), "management: \(management.output)")
        var nodes: [LineProcess] = []
        defer { for node in nodes { node.stop() } }
        for role in ["session", "chat"] {
            let node = try LineProcess(simctl, ["node", "--role", role, "--management", manager, "--insecure"] + timing,
                                       standardError: .mergedWithOutput)
            nodes.append(node)
            _ = try #require(node.listeningAddress(), "\(role): \(node.output)")
        }
        var doors: [LineProcess] = []
        defer { for door in doors { door.stop() } }
        var ports: [Int] = []
        for (i, format) in ["json", "protobuf"].enumerated() {
            let door = try LineProcess(simctl, ["chat-server", "--port", "0", "--format", format, "--management", manager,
                                                "--name", "chat-door-\(i + 1)"] + timing,
                                       standardError: .mergedWithOutput)
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

        // SIGTERM: a clean stop, bob leaves the room. `stop` returns once the process exited and
        // its output reached end of file, so its last line has been read.
        #expect(doors[1].stop(), "chat-door-2 did not stop on SIGTERM")
        #expect(try alice.nextSystem() == "[\(bobName)] 님이 퇴장했습니다.")
        #expect(doors[1].process.terminationStatus == 0)
        #expect(doors[1].output.contains("chat-server stopped"), "chat-door-2: \(doors[1].output.suffix(5))")
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
