import Testing
import NetModel
@testable import ClusterSim

@Suite("MessageLinks: sends paired with deliveries and drops; causes")
struct ReportLinksTests {
    let c1 = NodeName(.client, 1), f1 = NodeName(.frontend, 1), s1 = NodeName.session

    func event(_ seq: Int, _ ns: Int64, _ kind: TraceKind, _ node: NodeName?, _ peer: NodeName?, _ id: UInt64,
               _ label: String, _ detail: String = "") -> TraceEvent {
        TraceEvent(seq: seq, at: VirtualInstant(nanoseconds: ns), kind: kind, node: node, peer: peer, messageID: id,
                   label: label, detail: detail)
    }

    @Test("one-shot, duplicate, send-time and arrival drops, stream frames in order, causes")
    func links() {
        let t: [TraceEvent] = [
            event(1, 0, .send, c1, f1, 1, "Login"),                      // 0
            event(2, 5, .deliver, f1, c1, 1, "Login"),                    // 1
            event(3, 5, .node, f1, nil, 0, "token-issued"),               // 2  caused by 1
            event(4, 5, .send, f1, c1, 2, "Reply"),                       // 3  caused by 1
            event(5, 5, .duplicate, f1, c1, 2, "Reply"),                  // 4
            event(6, 6, .send, f1, s1, 3, "SessionLogin"),                // 5  no cause (other instant)
            event(7, 6, .drop, f1, s1, 3, "SessionLogin", "loss"),        // 6  send-time drop
            event(8, 7, .deliver, c1, f1, 2, "Reply"),                    // 7
            event(9, 7, .streamOpen, c1, f1, 1, "open"),                  // 8  caused by 7
            event(10, 7, .send, c1, f1, 1, "PushOpen"),                   // 9  caused by 7
            event(11, 8, .deliver, c1, f1, 2, "Reply"),                   // 10 the duplicate
            event(12, 9, .deliver, f1, c1, 1, "stream-open"),             // 11
            event(13, 9, .deliver, f1, c1, 1, "PushOpen"),                // 12
            event(14, 9, .send, f1, c1, 1, "PushOpened"),                 // 13 caused by 12
            event(15, 9, .send, f1, c1, 1, "PushOpened"),                 // 14 (a second frame, same label)
            event(16, 10, .deliver, c1, f1, 1, "PushOpened"),             // 15 first frame
            event(17, 11, .drop, c1, f1, 1, "PushOpened", "stream-closed"), // 16 second frame, arrival drop
        ]
        let links = MessageLinks(t)
        #expect(links.outcomeOf[0] == 1 && links.sendOf[1] == 0)
        #expect(links.causeOf[2] == 1 && links.causeOf[3] == 1)
        #expect(links.causeOf[5] == -1)
        #expect(links.outcomeOf[5] == 6 && links.sendOf[6] == 5)
        #expect(links.outcomeOf[3] == 7 && links.sendOf[10] == 3, "the duplicate delivery belongs to the same send")
        #expect(links.causeOf[8] == 7 && links.causeOf[9] == 7)
        #expect(links.outcomeOf[8] == 11 && links.outcomeOf[9] == 12)
        #expect(links.causeOf[13] == 12 && links.causeOf[1] == -1, "deliveries are causes, not effects")
        #expect(links.outcomeOf[13] == 15 && links.outcomeOf[14] == 16, "stream frames pair in order")

        let diagram = FlowTracer(t).diagram(title: "t", picked: [0, 2, 3, 5, 8, 9, 13, 14])
        #expect(diagram.participants == [c1, f1, s1])
        #expect(diagram.mermaid.contains("F1-xS1: SessionLogin (dropped: loss)"))
        #expect(diagram.mermaid.contains("C1->>F1: stream-open"))
        #expect(diagram.mermaid.contains("F1-xC1: PushOpened (dropped: stream-closed)"))
        #expect(diagram.plainText.contains("(dropped: loss)"))
    }

    @Test("a trace cut short leaves the message in flight")
    func inFlight() {
        let t = [event(1, 0, .send, c1, f1, 1, "Login")]
        #expect(MessageLinks(t).outcomeOf[0] == -1)
        let d = FlowTracer(t).diagram(title: "t", picked: [0])
        #expect(d.mermaid.contains("C1-)F1: Login (in flight)"))
        #expect(d.plainText.contains("(in flight)"))
    }
}
