import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

/// A `simctl chat-server` process for a test; killed if the test did not stop it.
private final class ChatServerProcess {
    let server: LineProcess
    let port: Int

    init(_ simctl: URL, format: String = "json") throws {
        // Its output is read as it comes for as long as it runs, so it never blocks on a full pipe.
        server = try LineProcess(simctl, ["chat-server", "--port", "0", "--format", format, "--workers", "2"],
                                 standardError: .mergedWithOutput)
        guard let address = server.listeningAddress(),
              let port = Int(address.split(separator: ":").last ?? "") else {
            server.stop(grace: 0)
            throw ChatProcessError(description: "no listening line: \(server.output.prefix(5))")
        }
        self.port = port
    }

    /// Waits up to `seconds` (a deadline for a hang) for the exit and the end of its output.
    /// - Returns: the status, or nil when it had to be killed.
    func exitStatus(within seconds: Double) -> Int32? {
        guard server.waitForEnd(within: seconds) else {
            server.stop(grace: 0)
            return nil
        }
        return server.process.terminationStatus
    }

    deinit { server.stop(grace: 0) }
}

private struct ChatProcessError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `simctl chat-client` with `input` on a pipe as its standard input.
private func runChatClient(_ simctl: URL, port: Int, format: String, input: String) throws -> (status: Int32, stdout: String) {
    let out = try runProcess(simctl, ["chat-client", "--port", String(port), "--format", format], input: input)
    return (out.status, out.stdout)
}

@Suite("simctl chat-server, chat-client and bench chat (the built binary)")
struct SimctlChatTests {
    @Test("a piped chat-client talks to a chat-server process; /shutdown makes the server exit 0",
          arguments: ["json", "protobuf"])
    func clientAndServer(format: String) throws {
        let simctl = try #require(builtSimctl())
        let server = try ChatServerProcess(simctl, format: format)
        let first = try runChatClient(simctl, port: server.port, format: format,
                                      input: "/help\n/name alice\n/create 안녕 room\n/rooms\n/join x\n/frob\n")
        #expect(first.status == 0)
        #expect(first.stdout.contains("/join N"))
        #expect(first.stdout.contains("[시스템 메시지] 이름이 alice 으로 변경되었습니다."))
        #expect(first.stdout.contains("[시스템 메시지] 방제[안녕 room] 방에 입장했습니다."))
        #expect(first.stdout.contains("#1 안녕 room — members: alice"))
        #expect(first.stdout.contains("usage: /join N"))
        #expect(first.stdout.contains("unknown command /frob"))
        // alice disconnected, so the room is gone; then stop the server from a client.
        let second = try runChatClient(simctl, port: server.port, format: format, input: "/rooms\n/shutdown\n")
        #expect(second.status == 0)
        #expect(second.stdout.contains("rooms: none open"))
        #expect(server.exitStatus(within: 30) == 0)
    }

    @Test("bench chat measures a small run and ends with the contract's last line")
    func bench() throws {
        let simctl = try #require(builtSimctl())
        let out = try runProcess(simctl, ["bench", "chat", "--rooms", "3", "--members", "3", "--messages", "600", "--window", "4"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last.map(String.init))
        let pattern = #/^deliveries/s=\d+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ server_us_per_delivery=[0-9.]+ lost=0 dup=0$/#
        #expect(last.wholeMatch(of: pattern) != nil, "last line: \(last)")
        #expect(out.stdout.contains("measured: 1200 deliveries"))
    }

    @Test("bench chat --help and a bad option", arguments: [["bench", "chat", "--help"], ["chat-server", "--help"], ["chat-client", "--help"]])
    func help(arguments: [String]) throws {
        let simctl = try #require(builtSimctl())
        let out = try runProcess(simctl, arguments)
        #expect(out.status == 0)
        #expect(out.stdout.hasPrefix("USAGE: simctl \(arguments.dropLast().joined(separator: " "))"))
        let bad = try runProcess(simctl, arguments.dropLast() + ["--no-such-option"])
        #expect(bad.status == 2)
    }
}
