import Foundation
import Testing
@testable import ClusterSim

@Suite("simctl diff")
struct DiffTests {
    /// Enough server nodes (8 frontends, chat, gateway: 12) that two processes practically never
    /// iterate their Set in the same order (12! orders).
    static let wide = #"{"name": "wide", "duration": "3s", "settle": "1s", "cluster": {"frontends": 8, "gateway": true, "chat": true}, "workload": {"clients": 10, "rampUp": "1s", "pushRate": "1/s"}}"#

    func file(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-diff-test-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("wide.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("identical traces: says so with the same hash as simctl run; exit 0")
    func identical() throws {
        let path = try file(Self.wide)
        let diff = try simctl(["diff", path, "--seed", "3"])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        let run = try simctl(["run", path, "--seed", "3"])
        let hash = try #require(run.stdout.split(separator: "\n").last?.split(separator: " ").first { $0.hasPrefix("trace=") })
        let last = try #require(diff.stdout.split(separator: "\n").last)
        #expect(last.hasPrefix("diff: identical \(hash) events="), "\(last) vs \(hash)")
    }

    @Test("the planted Set iteration: the first divergent event of each run and the events before it; exit 1")
    func plantedSetIteration() throws {
        let path = try file(Self.wide)
        let diff = try simctl(["diff", path, "--seed", "3", "--context", "3"], environment: [PlantedBugs.environmentVariable: "iterate-set"])
        #expect(diff.status == 1, "\(diff.stdout)\(diff.stderr)")
        let lines = diff.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("DIVERGENT: run 1 (") })
        let index = try #require(Int(header.split(separator: "#").last ?? ""))
        let first = try #require(lines.first { $0.hasPrefix("    run 1 (") })
        let second = try #require(lines.first { $0.hasPrefix("    run 2 (") })
        #expect(first.contains("): #\(index) at ") && second.contains("): #\(index) at "))
        #expect(first.split(separator: ":").dropFirst() != second.split(separator: ":").dropFirst(), "the two events must differ")
        #expect(lines.contains("    #1 at 0s start wide (seed=3)"), "the event before it is shown:\n\(diff.stdout)")
        #expect(lines.last == "diff: divergent at=\(index)")
    }

    @Test("TraceDiff: same bytes → nil; the first differing line with the lines before it; a shorter trace")
    func traceDiff() {
        func bytes(_ lines: [String]) -> [UInt8] { Array(lines.map { $0 + "\n" }.joined().utf8) }
        let a = (1...10).map { "{\"seq\":\($0)}" }
        #expect(TraceDiff.firstDivergence(bytes(a), bytes(a)) == nil)
        var b = a
        b[6] = "{\"seq\":7,\"x\":1}"
        let d = TraceDiff.firstDivergence(bytes(a), bytes(b), context: 2)
        #expect(d == TraceDivergence(index: 7, before: [a[4], a[5]], left: a[6], right: b[6]))
        let short = TraceDiff.firstDivergence(bytes(a), bytes(Array(a.prefix(4))), context: 10)
        #expect(short == TraceDivergence(index: 5, before: Array(a.prefix(4)), left: a[4], right: nil))
    }

    @Test("an event line reads as a sentence")
    func describe() {
        let line = #"{"seq":12,"ns":1500000,"kind":"send","node":"frontend-1","peer":"session-1","id":7,"label":"Backend","detail":"x=1"}"#
        #expect(TraceDiff.describe(line) == "#12 at 1.5ms send frontend-1 → session-1 id 7 Backend (x=1)")
        #expect(TraceDiff.describe("not json") == "not json")
    }

    @Test("bad input exits 2")
    func badInput() throws {
        #expect(try simctl(["diff", "/no/such.json"]).status == 2)
        #expect(try simctl(["diff", try file(Self.wide), "--seed", "x"]).status == 2)
    }
}
