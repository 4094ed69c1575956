import Foundation
import Testing
import NetModel
@testable import ClusterSim

@Suite("report.html stays small for large runs")
struct ReportScaleTests {
    func report(_ trace: (Experiment, [TraceEvent])) -> RunReport {
        var (experiment, events) = trace
        experiment.description = String(repeating: "a very long description ", count: 10_000)
        let checks = [CheckResult(name: "push-delivery", passed: false, detail: String(repeating: "offender ", count: 500))]
        return RunReport(experiment: experiment, seed: 42, traceHash: "0000000000000000", events: events, checks: checks,
                         metrics: [("events", Double(events.count))], end: events.last!.at)
    }

    @Test("a 200,000-event trace gives a well-formed report.html under the size bound")
    func largeTrace() throws {
        let trace = syntheticTrace(events: 200_000)
        let html = report(trace).html()
        #expect(html.utf8.count <= ReportLimits.maximumBytes, "\(html.utf8.count) bytes")
        let xml = parseXML(html)
        #expect(xml.wellFormed, "\(xml.error)")
        // Windows are capped: no window draws more arrows than the limit.
        let arrows = xml.elements["line"] ?? 0
        #expect(arrows <= ReportLimits.flowWindows * (ReportLimits.messagesPerWindow + ReportLimits.flowLanes) + 4_000)
        #expect(xml.ids.contains("flow-window-1"), "a window around the first fault")
    }

    @Test("many faults and many frontends still stay under the bound")
    func manyFaults() throws {
        let trace = syntheticTrace(events: 60_000, clients: 500, frontends: 200, faultEvery: 40)
        let html = report(trace).html()
        #expect(html.utf8.count <= ReportLimits.maximumBytes, "\(html.utf8.count) bytes")
        #expect(parseXML(html).wellFormed)
        #expect(html.contains("more server nodes not drawn"))
    }
}
