import Foundation
import Testing
@testable import ClusterSim

@Suite("simctl run --trace: which full-trace files --out writes (the built binary)")
struct ReportTraceOptionTests {
    /// Runs the small experiment with `--out DIR` and `extra`; returns the status and the files written.
    func run(_ extra: [String]) throws -> (status: Int32, files: Set<String>, stderr: String) {
        let simctl = try #require(builtSimctl())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trace-option-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("e.json")
        try SimctlRunTests.small.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try runProcess(simctl, ["run", file.path, "--out", out.path] + extra)
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
        return (r.status, files, r.stderr)
    }

    @Test("by default only summary.json and the two reports", arguments: [[String](), ["--trace", "none"]])
    func byDefault(_ extra: [String]) throws {
        let r = try run(extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.files == ["summary.json", "report.html", "report.md"])
    }

    @Test("jsonl, perfetto and all add their files",
          arguments: [("jsonl", ["trace.jsonl"]), ("perfetto", ["trace.perfetto.json"]), ("all", ["trace.jsonl", "trace.perfetto.json"])])
    func chosen(_ choice: String, _ added: [String]) throws {
        let r = try run(["--trace", choice])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.files == Set(["summary.json", "report.html", "report.md"] + added))
    }

    @Test("an unknown choice exits 2 before running, naming the choices")
    func unknown() throws {
        let r = try run(["--trace", "gzip"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("none, jsonl, perfetto or all"))
        #expect(r.files.isEmpty)
    }

    @Test("the choices parse; anything else is an error")
    func parsing() throws {
        for choice in TraceArtifacts.allCases { #expect(try TraceArtifacts(parsing: choice.rawValue) == choice) }
        #expect(throws: TraceArtifactsError.self) { try TraceArtifacts(parsing: "everything") }
        #expect(TraceArtifacts.all.writesJSONLines && TraceArtifacts.all.writesPerfetto)
        #expect(!TraceArtifacts.none.writesJSONLines && !TraceArtifacts.none.writesPerfetto)
    }
}
