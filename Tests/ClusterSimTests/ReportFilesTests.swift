import Foundation
import Testing
import NetModel
@testable import ClusterSim

@Suite("report.html, report.md, trace.perfetto.json: structure")
struct ReportFilesTests {
    @Test("report.html is well-formed XML with every section, and escapes the description")
    func htmlStructure() throws {
        let (run, result) = makeReportRun()
        let html = RunReport(run: run, result: result).html()
        let xml = parseXML(html)
        #expect(xml.wellFormed, "\(xml.error)")
        for id in ["description", "checks", "metrics", "timeline", "latency", "flow", "flow-window-0"] {
            #expect(xml.ids.contains(id), "missing section \(id)")
        }
        #expect((xml.elements["svg"] ?? 0) >= 4, "timeline, latency, histogram and one flow window")
        #expect((xml.elements["line"] ?? 0) > 50, "the flow diagram draws arrows")
        #expect(html.contains("&lt;crash&gt; &amp; &quot;partition&quot;"))
        #expect(!html.contains("<link") && !html.contains(" src="))
        // One flow window per fault period start (crash, partition, pause) plus the start.
        #expect(xml.ids.contains("flow-window-3"))
        // Every check is listed with its verdict.
        for c in result.checks { #expect(html.contains(">\(c.name)<")) }
        #expect(html.contains("frontend-2 down"))
    }

    @Test("a broken page is caught by the XML check (the check can fail)")
    func brokenHTMLFails() {
        #expect(!parseXML("<html><body><p>open</body></html>").wellFormed)
        #expect(!parseXML("<html><body>a & b</body></html>").wellFormed)
        #expect(parseXML("<!DOCTYPE html>\n<html><body><p>ok</p></body></html>").wellFormed)
    }

    @Test("trace.perfetto.json parses, has one named track per node and ordered timestamps per track")
    func perfetto() throws {
        let (run, result) = makeReportRun()
        let report = RunReport(run: run, result: result)
        let data = Data(report.perfettoJSON().utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        var threadNames: [String: String] = [:]  // "pid/tid" → name
        var lastTS: [String: Double] = [:]
        var used: Set<String> = []
        for e in events {
            let ph = try #require(e["ph"] as? String)
            let pid = try #require(e["pid"] as? Int)
            let track = "\(pid)/\(e["tid"] as? Int ?? -1)"
            if ph == "M" {
                if e["name"] as? String == "thread_name" {
                    let name = try #require((e["args"] as? [String: Any])?["name"] as? String)
                    #expect(threadNames[track] == nil, "two names for track \(track)")
                    threadNames[track] = name
                }
                continue
            }
            let ts = try #require(e["ts"] as? Double ?? (e["ts"] as? Int).map(Double.init))
            #expect(ts >= (lastTS[track] ?? 0), "timestamps go back on track \(track)")
            lastTS[track] = ts
            used.insert(track)
        }
        // Every node of the trace has exactly one track, named after it.
        var nodes = Set<NodeName>()
        for e in run.simulator.trace.events {
            if let n = e.node { nodes.insert(n) }
            if let p = e.peer { nodes.insert(p) }
        }
        let nodeTracks = threadNames.filter { !$0.key.hasPrefix("\(RunReport.perfettoNetwork)/") }
        #expect(Set(nodeTracks.values) == Set(nodes.map(\.description)))
        #expect(nodeTracks.count == nodes.count)
        #expect(used.isSubset(of: Set(threadNames.keys)), "events on unnamed tracks: \(used.subtracting(threadNames.keys))")
        // Flows: each start has its finish.
        let starts = events.filter { $0["ph"] as? String == "s" }.compactMap { $0["id"] as? Int }
        let finishes = events.filter { $0["ph"] as? String == "f" }.compactMap { $0["id"] as? Int }
        #expect(!starts.isEmpty && Set(starts) == Set(finishes))
        #expect(events.contains { $0["name"] as? String == "down" && $0["ph"] as? String == "B" })
    }

    @Test("report.md has the summary and a Mermaid diagram per flow found, a participant per node in it")
    func markdown() throws {
        let (run, result) = makeReportRun()
        let md = RunReport(run: run, result: result).markdown()
        #expect(md.hasPrefix("# report-sample: "))
        for heading in ["## Checks", "## Metrics", "## Faults", "## Push latency", "## Flows"] { #expect(md.contains(heading)) }
        let blocks = md.components(separatedBy: "```mermaid\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 5, "registration, login, push stream, push routing, failover at least")
        for block in blocks { try expectParticipantsMatch(block) }
        for flow in [FlowKind.registration, .login, .pushStream, .pushRouting, .failover] {
            #expect(md.contains("### \(flow.rawValue):"))
        }
    }

    @Test("simctl run --out writes the three report files")
    func runWritesReports() throws {
        let simctl = try #require(builtSimctl())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-out-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("e.json")
        try SimctlRunTests.small.write(to: file, atomically: true, encoding: .utf8)
        let run = try runProcess(simctl, ["run", file.path, "--out", dir.appendingPathComponent("out").path, "--trace", "all"])
        #expect(run.status == 0, "\(run.stderr)")
        for name in RunReport.fileNames {
            let path = dir.appendingPathComponent("out").appendingPathComponent(name).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            #expect(size > 100, "\(name) missing or empty")
        }
    }
}

/// Checks that a Mermaid sequence diagram declares exactly the nodes its arrows and notes use,
/// one participant each.
func expectParticipantsMatch(_ mermaid: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var declared: [String: String] = [:]  // alias → name
    var used: Set<String> = []
    for line in mermaid.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        if line.hasPrefix("participant ") {
            let parts = line.split(separator: " ")
            try #require(parts.count == 4 && parts[2] == "as", "bad participant line \(line)", sourceLocation: sourceLocation)
            #expect(declared[String(parts[1])] == nil, "participant declared twice", sourceLocation: sourceLocation)
            #expect(NodeName(parsing: String(parts[3])) != nil, sourceLocation: sourceLocation)
            declared[String(parts[1])] = String(parts[3])
        } else if line.hasPrefix("Note over ") {
            // `Note over A: …` or, across lanes, `Note over A,B: …`.
            for alias in line.dropFirst("Note over ".count).prefix(while: { $0 != ":" }).split(separator: ",") { used.insert(String(alias)) }
        } else if let colon = line.firstIndex(of: ":"), line != "sequenceDiagram" {
            let head = line[..<colon]
            let arrow = try #require(["->>", "-x", "-)"].compactMap { head.range(of: $0) }.first,
                                     "not an arrow: \(line)", sourceLocation: sourceLocation)
            used.insert(String(head[..<arrow.lowerBound]))
            used.insert(String(head[arrow.upperBound...]))
        }
    }
    #expect(!declared.isEmpty, sourceLocation: sourceLocation)
    #expect(Set(declared.keys) == used, "participants \(declared.keys.sorted()) vs used \(used.sorted())",
            sourceLocation: sourceLocation)
    #expect(Set(declared.values).count == declared.count, sourceLocation: sourceLocation)
}
