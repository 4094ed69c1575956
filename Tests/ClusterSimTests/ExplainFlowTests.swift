import Foundation
import Testing
import NetModel
@testable import ClusterSim

@Suite("simctl explain: flows drawn from real runs")
struct ExplainFlowTests {
    @Test("each flow's built-in experiment shows it; every arrow is a real send of the run", arguments: FlowKind.allCases)
    func flowFromRun(flow: FlowKind) throws {
        let experiment = FlowExplanation.builtInExperiment(flow)
        #expect(throws: Never.self) { try experiment.validate() }
        let run = ClusterRun(experiment: experiment, retention: .everything)
        run.run()
        let events = run.simulator.trace.events
        let diagram = try #require(FlowCatalog(events).diagram(flow))
        #expect(diagram.messageCount >= 2)
        var used = Set<NodeName>()
        for step in diagram.steps {
            switch step {
            case .message(let from, let to, let label, let sent, let outcome):
                used.formUnion([from, to])
                let kind: TraceKind = label == "stream-open" ? .streamOpen : .send
                #expect(events.contains { $0.kind == kind && $0.node == from && $0.peer == to && $0.at == sent
                    && (kind == .streamOpen || $0.label == label) }, "no such send: \(label) \(from)→\(to)")
                if case .delivered(let at) = outcome {
                    #expect(events.contains { $0.kind == .deliver && $0.node == to && $0.peer == from && $0.at == at })
                }
            case .note(let node, _, _):
                used.insert(node)
            }
        }
        #expect(Set(diagram.participants) == used)
        try expectParticipantsMatch(diagram.mermaid)
        let text = diagram.plainText
        for p in diagram.participants { #expect(text.contains(p.description)) }
    }

    @Test("the flows show what they are about")
    func flowContents() throws {
        func labels(_ flow: FlowKind) throws -> [String] {
            try FlowExplanation.run(flow).diagram.steps.compactMap {
                if case .message(_, _, let label, _, _) = $0 { label } else { nil }
            }
        }
        #expect(try labels(.registration).starts(with: ["Register", "RegisterAccepted"]))
        #expect(try labels(.login) == ["Login", "Reply"])
        #expect(try labels(.pushStream).contains("SessionLogin"))
        #expect(try labels(.pushRouting).contains("Deliver"))
        #expect(try labels(.duplicateLogin).contains("KickStream"))
        #expect(try labels(.failover).contains("Stop"))
        #expect(try labels(.chat).contains("ChatCall"))
        #expect(try labels(.gateway).count == 4)
        let routing = try FlowExplanation.run(.pushRouting).diagram
        #expect(routing.participants.filter { $0.role == .frontend }.count == 2, "a push crossing frontends")
        let failover = try FlowExplanation.run(.failover).diagram
        #expect(failover.mermaid.contains("-xF2: Stop (dropped: crashed)"))
        let auth = try FlowExplanation.run(.backendAuth)
        #expect(auth.diagram.steps.contains { if case .note(_, let t, _) = $0 { t.hasPrefix("backend-rejected") } else { false } })
        #expect(auth.text.contains("ClusterNode.admits"))
    }

    @Test("the same flow twice gives the same diagram (it comes from a deterministic run)")
    func deterministic() throws {
        #expect(try FlowExplanation.run(.chat).diagram == FlowExplanation.run(.chat).diagram)
    }

    @Test("simctl explain: a flow, --list, --mermaid; an unknown flow exits 2 with the list")
    func command() throws {
        let simctl = try #require(builtSimctl())
        let login = try runProcess(simctl, ["explain", "login"])
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("TokenSigner") && login.stdout.contains("sequenceDiagram"))
        #expect(login.stdout.contains("|-- Login -->|") || login.stdout.contains("Login -"))
        let list = try runProcess(simctl, ["explain", "--list"])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == FlowKind.allCases.count)
        let mermaid = try runProcess(simctl, ["explain", "gateway", "--mermaid"])
        #expect(mermaid.stdout.hasPrefix("sequenceDiagram\n"))
        let bad = try runProcess(simctl, ["explain", "teleport"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown flow 'teleport'") && bad.stderr.contains("push-routing"))
    }
}

@Suite("docs/guide.md: generated diagrams")
struct GuideDiagramTests {
    static let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/guide.md")

    @Test("the diagrams in docs/guide.md are what the code produces now (regenerate: simctl explain --write-docs docs/guide.md)")
    func guideUpToDate() throws {
        let text = try String(contentsOf: Self.guide, encoding: .utf8)
        let update = try GuideDiagrams.regenerate(text)
        #expect(Set(update.flows) == Set(FlowKind.allCases), "every flow has its diagram in the guide")
        #expect(update.text == text, "docs/guide.md is stale: run 'swift run simctl explain --write-docs docs/guide.md'")
    }

    @Test("a stale diagram is detected and replaced; bad markers are errors")
    func markers() throws {
        let stale = "intro\n<!-- explain:login -->\n```mermaid\nsequenceDiagram\n    A->>B: Old\n```\n<!-- /explain:login -->\nend\n"
        let fixed = try GuideDiagrams.regenerate(stale)
        #expect(fixed.text != stale)
        #expect(fixed.text.contains("C1->>F1: Login") && fixed.text.hasSuffix("<!-- /explain:login -->\nend\n"))
        #expect(try GuideDiagrams.regenerate(fixed.text).text == fixed.text)
        #expect(throws: GuideDiagrams.MarkerError.self) { try GuideDiagrams.regenerate("<!-- explain:nope -->\n<!-- /explain:nope -->\n") }
        #expect(throws: GuideDiagrams.MarkerError.self) { try GuideDiagrams.regenerate("<!-- explain:login -->\nnever closed\n") }
    }
}
