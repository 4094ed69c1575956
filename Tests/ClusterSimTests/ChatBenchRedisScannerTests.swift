import Foundation
@testable import simctl
import Testing

/// The load generator's RESP2 reader (`simctl bench chat --server redis`): what Redis sends a
/// subscriber and a publisher, whole or cut at any byte.
@Suite("simctl: bench chat's RESP2 scanner")
struct ChatBenchRedisScannerTests {
    /// A subscribe confirmation, two pushed messages, a PUBLISH reply: in the order Redis writes them.
    static let stream = Array(("*3\r\n$9\r\nsubscribe\r\n$7\r\nbench-3\r\n:1\r\n"
        + "*3\r\n$7\r\nmessage\r\n$7\r\nbench-3\r\n$12\r\n3:17:xxxxxxx\r\n"
        + ":9\r\n"
        + "*3\r\n$7\r\nmessage\r\n$7\r\nbench-3\r\n$10\r\n3:18:xxxxx\r\n").utf8)

    static func kinds(_ items: [ChatBenchFrameScanner.Item]) -> [String] {
        items.map { item in
            switch item {
            case .chat(let room, let seq): "chat \(room):\(seq)"
            case .other: "other"
            case .malformed: "malformed"
            }
        }
    }

    /// Feeds `bytes` cut at `cut` and collects every item.
    static func scan(_ bytes: [UInt8], cut: Int) -> [ChatBenchFrameScanner.Item] {
        var scanner = ChatBenchFrameScanner(wire: .redis)
        var items: [ChatBenchFrameScanner.Item] = []
        for part in [bytes[..<cut], bytes[cut...]] {
            Array(part).withUnsafeBytes { scanner.append($0) }
            while let item = scanner.next() { items.append(item) }
        }
        return items
    }

    @Test("pushed messages give their room and sequence; confirmations and replies are other, at every cut")
    func everyCut() {
        for cut in 0...Self.stream.count {
            #expect(Self.kinds(Self.scan(Self.stream, cut: cut)) == ["other", "chat 3:17", "other", "chat 3:18"], "cut at \(cut)")
        }
    }

    @Test("an error reply, a pushed text that is not a bench text, and bytes that are not RESP are malformed")
    func malformed() {
        let bytes = Array(("-ERR unknown command\r\n*3\r\n$7\r\nmessage\r\n$7\r\nbench-1\r\n$5\r\nhello\r\n+OK\r\n").utf8)
        #expect(Self.kinds(Self.scan(bytes, cut: 0)) == ["malformed", "malformed", "other"])
        #expect(Self.kinds(Self.scan(Array("HTTP/1.1 400\r\n".utf8), cut: 0)) == ["malformed"])
    }

    @Test("a 'message' push is told from other three-element arrays by its first element")
    func onlyMessages() {
        let bytes = Array(("*3\r\n$7\r\nmassage\r\n$7\r\nbench-1\r\n$10\r\n1:2:xxxxxx\r\n").utf8)
        #expect(Self.kinds(Self.scan(bytes, cut: 0)) == ["other"])
    }

    @Test("PUBLISH is sent as a RESP2 array of bulk strings")
    func publish() {
        #expect(String(decoding: RESP.command(["PUBLISH", RESP.channel(2), "2:0:xx"]), as: UTF8.self)
                == "*3\r\n$7\r\nPUBLISH\r\n$7\r\nbench-2\r\n$6\r\n2:0:xx\r\n")
    }
}

/// `bench chat --vs-redis`: the figures of a pair and of several.
@Suite("simctl: bench chat's side-by-side summary")
struct ChatBenchVsRedisSummaryTests {
    static func run(_ us: Double, p99: Double = 1) -> ChatBenchMeasurement {
        ChatBenchMeasurement(deliveriesPerSecond: 1e6, p50: 0.5, p99: p99, serverMicroseconds: us, clusterMicroseconds: nil,
                             lost: 0, duplicates: 0)
    }

    @Test("each pair's ratio is chat over Redis; the summary gives their median (odd and even counts), extremes and worst p99")
    func summary() {
        let three = [(Self.run(0.8), Self.run(1.0)), (Self.run(0.9), Self.run(0.9, p99: 2.5)), (Self.run(1.2, p99: 3), Self.run(1.0))]
        #expect(ChatBenchMeasurement.pairSummary(three) == "vs-redis: pairs=3 ratio_median=1.000 ratio_min=0.800 ratio_max=1.200"
                + " chat_us_median=0.900 redis_us_median=1.000 chat_p99_ms_max=3.000 redis_p99_ms_max=2.500")
        let two = Array(three.prefix(2))
        #expect(ChatBenchMeasurement.pairSummary(two).hasPrefix("vs-redis: pairs=2 ratio_median=0.900 ratio_min=0.800 ratio_max=1.000"))
        #expect(ChatBenchMeasurement.ratio(Self.run(1), Self.run(0)) == 0)
    }

    @Test("--vs-standalone: a pair's ratio is door and cluster together over the standalone server; the summary gives medians, extremes, worst p99")
    func clusterSummary() {
        func cluster(_ door: Double, _ nodes: Double, p99: Double = 4) -> ChatBenchMeasurement {
            ChatBenchMeasurement(deliveriesPerSecond: 3e5, p50: 2, p99: p99, serverMicroseconds: door, clusterMicroseconds: nodes,
                                 lost: 0, duplicates: 0)
        }
        #expect(ChatBenchMeasurement.clusterRatio(cluster(1.5, 1.5), Self.run(0.75)) == 4)
        let three = [(cluster(1.5, 1.5), Self.run(0.75)), (cluster(2, 1, p99: 9), Self.run(1)), (cluster(1, 1), Self.run(1, p99: 2))]
        #expect(ChatBenchMeasurement.clusterPairSummary(three) == "vs-standalone: pairs=3 ratio_median=3.000 ratio_min=2.000"
                + " ratio_max=4.000 cluster_us_median=3.000 door_us_median=1.500 standalone_us_median=1.000"
                + " cluster_p99_ms_max=9.000 standalone_p99_ms_max=2.000")
        #expect(ChatBenchMeasurement.clusterRatio(cluster(1, 1), Self.run(0)) == 0)
    }

    @Test("a run's last line keeps the format scripts read")
    func line() {
        #expect(Self.run(0.756).line == "deliveries/s=1000000 p50_ms=0.500 p99_ms=1.000 server_us_per_delivery=0.756 lost=0 dup=0")
    }
}

/// `bench chat`'s CPU figure: the scheduler's nanoseconds, not 10 ms ticks.
@Suite("simctl: bench chat's CPU time of a process")
struct ProcessCPUTests {
    @Test("a schedstat line's first field is the run time; anything else is refused")
    func parse() {
        #expect(ProcessCPU.runNanoseconds(schedstat: "123456789 2000 17\n") == 123_456_789)
        #expect(ProcessCPU.runNanoseconds(schedstat: "") == nil)
        #expect(ProcessCPU.runNanoseconds(schedstat: "x 1 2") == nil)
    }

    @Test("a child process that did a fixed amount of work: its run time and its clock ticks agree")
    func childAfterWork() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // About 0.3 s of CPU (a fixed count, whatever the machine's load), then a line on stdout,
        // then it waits on stdin: its CPU time stands still while it is read.
        child.arguments = ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done; read x"]
        let output = Pipe(), input = Pipe()
        child.standardOutput = output
        child.standardInput = input
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }   // SIGKILL: a signal mask inherited from the test process cannot hold it
        // Waits for the line (an event), at most 30 s.
        var ready = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        try #require(poll(&ready, 1, 30_000) == 1, "the child finished its work")
        let pid = child.processIdentifier
        let spent = Double(try #require(ProcessCPU.schedstatNanoseconds(pid), "schedstat is readable on this kernel")) / 1_000
        let ticks = try ProcessCPU.statTicksMicroseconds(pid)
        #expect(spent >= 150_000, "the work was counted: \(spent) µs")
        #expect(abs(spent - ticks) <= 20_000 + 0.1 * spent, "schedstat \(spent) µs, ticks \(ticks) µs")
        let again = try processCPUMicroseconds(pid)   // what bench chat reads: the same figure, the child waiting
        #expect(again >= spent && again <= spent + 5_000)
    }
}
