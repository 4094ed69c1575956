import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NetModel
@testable import ClusterSim

/// A small run with every kind of report content: a gateway, pushes, a frontend crash and restart,
/// a partition and a pause.
func makeReportRun() -> (ClusterRun, RunResult) {
    let experiment = Experiment(
        name: "report-sample", description: "A small run for the report tests: <crash> & \"partition\".",
        seed: 5, duration: .seconds(6), settle: .seconds(2),
        cluster: ClusterShape(frontends: 2, gateway: true),
        workload: Workload(clients: 6, rampUp: .milliseconds(500), requestRate: Rate(perSecond: 1),
                           pushRate: Rate(perSecond: 2)),
        faults: [
            Fault(at: .seconds(2), action: .crash(NodeName(.frontend, 2), restartAfter: .seconds(2))),
            Fault(at: .seconds(3), action: .partition(groups: [[NodeName(.frontend, 1)], [NodeName.session]],
                                                      oneWay: false, heal: .milliseconds(500))),
            Fault(at: .seconds(4), action: .pause(NodeName.management, resumeAfter: .milliseconds(300))),
        ])
    return RunResult.simulate(experiment, retention: .everything)
}

/// The outcome of parsing a document as XML.
struct XMLCheck {
    var wellFormed: Bool
    var error: String
    var elements: [String: Int]
    var ids: Set<String>
}

/// Parses `text` with Foundation's XML parser (FoundationXML on Linux): every tag closed and
/// nested, every attribute quoted, every entity known.
func parseXML(_ text: String) -> XMLCheck {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var ids: Set<String> = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if let id = attributes["id"] { ids.insert(id) }
        }
    }
    // The HTML5 doctype has no DTD; the parser accepts it. Parse the bytes as they are.
    let parser = XMLParser(data: Data(text.utf8))
    let collector = Collector()
    parser.delegate = collector
    let ok = parser.parse()
    // On Linux `parse()` can return true and still set `parserError` (mismatched tags): require both.
    return XMLCheck(wellFormed: ok && parser.parserError == nil, error: parser.parserError.map { "\($0) line \(parser.lineNumber)" } ?? "",
                    elements: collector.elements, ids: collector.ids)
}

/// A synthetic trace of about `count` events with the shape of a large run: registration, many
/// clients exchanging pushes with latencies, crashes and restarts, partitions and pauses.
func syntheticTrace(events count: Int, clients: Int = 2_000, frontends: Int = 8, faultEvery: Int = 20_000) -> (Experiment, [TraceEvent]) {
    var out: [TraceEvent] = []
    out.reserveCapacity(count + 16)
    var now: Int64 = 0
    var id: UInt64 = 0
    func add(_ kind: TraceKind, _ node: NodeName?, _ peer: NodeName?, _ messageID: UInt64, _ label: String, _ detail: String = "") {
        out.append(TraceEvent(seq: out.count + 1, at: VirtualInstant(nanoseconds: now), kind: kind, node: node, peer: peer,
                              messageID: messageID, label: label, detail: detail))
    }
    var rng = SeededRandom(seed: 42)
    add(.start, nil, nil, 0, "synthetic", "seed=42")
    let fronts = (1...frontends).map { NodeName(.frontend, $0) }
    var k = 0
    while out.count < count {
        k += 1
        now += Int64(rng.next() % 200_000) + 1
        let client = NodeName(.client, Int(rng.next() % UInt64(clients)) + 1)
        let frontend = fronts[Int(rng.next() % UInt64(frontends))]
        id += 1
        add(.send, client, frontend, id, "MessageUser")
        if k % 97 == 0 {
            add(.drop, client, frontend, id, "MessageUser", "loss")
            continue
        }
        now += 50_000
        add(.deliver, frontend, client, id, "MessageUser")
        id += 1
        add(.send, frontend, NodeName.session, id, "PushTo")
        now += 50_000
        add(.deliver, NodeName.session, frontend, id, "PushTo")
        add(.node, NodeName.session, nil, 0, "push-accepted", "push=\(k) user=user-1 seq=\(k) gen=1")
        add(.node, client, nil, 0, "push-received", "push=\(k) user=user-1 seq=\(k) gen=1 latency-ns=\(100_000 + Int64(rng.next() % 5_000_000))")
        if k % faultEvery == 0 {
            let victim = fronts[(k / faultEvery) % frontends]
            add(.fault, nil, nil, 0, "fault", "crash(\(victim))")
            add(.crash, victim, nil, 0, "crash")
            now += 1_000_000
            add(.restart, victim, nil, 0, "restart")
            add(.partition, nil, nil, UInt64(k), "partition", "[\(victim)] | [session-1]")
            now += 500_000
            add(.heal, nil, nil, UInt64(k), "heal", "[\(victim)] | [session-1]")
            add(.pause, NodeName.management, nil, 0, "pause")
            add(.resume, NodeName.management, nil, 0, "resume", "0 held")
        }
    }
    let experiment = Experiment(name: "synthetic", description: "synthetic trace", duration: .nanoseconds(now),
                                settle: .zero, cluster: ClusterShape(frontends: frontends),
                                workload: Workload(clients: clients))
    return (experiment, out)
}
