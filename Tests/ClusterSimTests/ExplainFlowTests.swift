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

    /// The notes of a flow's diagram.
    func notes(_ flow: FlowKind) throws -> [String] {
        try FlowExplanation.run(flow).diagram.steps.compactMap { if case .note(_, let t, _) = $0 { t } else { nil } }
    }

    /// The messages of a flow's diagram, as `LABEL` or `LABEL x REASON` when dropped.
    func messages(_ flow: FlowKind) throws -> [String] {
        try FlowExplanation.run(flow).diagram.steps.compactMap {
            guard case .message(_, _, let label, _, let outcome) = $0 else { return nil }
            if case .dropped(let reason) = outcome { return "\(label) x \(reason)" }
            return label
        }
    }

    @Test("the failure paths: restarts, removal and fencing, partition, token refusal")
    func failurePaths() throws {
        let session = try messages(.sessionRestart)
        #expect(session.contains("PushTo x crashed"), "a call lost with the session node: \(session)")
        #expect(session.contains("ResyncRequest") && session.contains("SessionResync"))
        #expect(try notes(.sessionRestart).contains { $0.hasPrefix("session-resync frontend=") })

        let management = try messages(.managementRestart)
        #expect(management.contains("Ping x crashed"))
        let pong = try #require(management.lastIndex(of: "Pong"))
        #expect(management[pong...].contains("Register"), "registers again after an 'unknown' pong: \(management)")

        let fencing = try notes(.removalFencing)
        #expect(fencing.contains { $0.hasPrefix("node-removed") && $0.contains("reason=pingTimeout") })
        #expect(fencing.contains("fenced"))
        // Removed at the deadline exactly: pingTimeout (3 s) after the last ping.
        #expect(fencing.contains { $0.hasPrefix("removed 3.000s") && $0.hasSuffix("after its last ping was heard") })
        #expect(try messages(.removalFencing).contains("Stop"))

        let partition = try messages(.partition)
        #expect(partition.contains("Ping x partition") && partition.contains("Stop x partition"))
        #expect(partition.last(where: { $0 == "Register" }) != nil)
        #expect(try notes(.partition).contains { $0.hasPrefix("heal: ") })

        let refusal = try notes(.tokenRefusal)
        #expect(refusal.contains { $0.hasPrefix("forged-token (Kick): claims {sub: user-") && $0.contains("exp: 4611686018427387903") })
        #expect(refusal.contains { $0.hasPrefix("expired-token (Broadcast): claims {sub: ") })
        #expect(refusal.contains { $0.hasPrefix("request-rejected") && $0.contains("reason=bad-token") })
        #expect(refusal.contains { $0.hasPrefix("request-rejected") && $0.contains("reason=expired-token") })
    }

    @Test("chat shows its lines and the seed's Korean system messages")
    func chatText() throws {
        #expect(try notes(.chat).contains { $0.hasPrefix("chat-received") && $0.contains("text=line ") })
        let join = try notes(.chatJoin)
        #expect(join.contains { $0.range(of: #"^chat-system text=\[user-\d+\] 님이 입장했습니다\.$"#, options: .regularExpression) != nil })
        #expect(join.contains { $0.hasPrefix("chat-system text=방제[room-1] 방에 입장했습니다.") })
    }

    @Test("Mermaid carries time: the first instant, and every pause of 100 ms or more (failover's 2.001 s detection)")
    func mermaidTimes() throws {
        let failover = try FlowExplanation.run(.failover).diagram
        #expect(failover.mermaid.contains("Note over C1,M1: t=2.000s"))
        #expect(failover.mermaid.contains("(t=4.001s)"))
        #expect(failover.mermaid.contains("Note over M1: detected 2.001s after the crash"))
        let fencing = try FlowExplanation.run(.removalFencing).diagram.mermaid
        #expect(fencing.contains("Note over F1,M1: +2.001s (t=4.001s)"), "\(fencing)")
    }

    @Test("Mermaid shortens long ids to their last 4 digits")
    func mermaidShortIDs() throws {
        #expect(SequenceDiagram.shortIDs("push=13841770741273460745 seq=5 latency-ns=4283059") == "push=…0745 seq=5 latency-ns=4283059")
        let chat = try FlowExplanation.run(.chat).diagram.mermaid
        #expect(chat.range(of: #"\d{10}"#, options: .regularExpression) == nil, "a long id is left: \(chat)")
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
