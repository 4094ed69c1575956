import NetModel
import Nodes

/// Follows causes and effects through a recorded trace: up from an event to the message that
/// started it, and down from a cause to every message it led to. The flows of ``FlowKind`` are
/// built from these two walks.
struct FlowTracer {
    let events: [TraceEvent]
    let links: MessageLinks
    /// Effects of each event, in trace order: `effects[effectStart[i]..<effectStart[i+1]]`.
    private let effectStart: [Int32]
    private let effects: [Int32]

    init(_ events: [TraceEvent]) {
        self.events = events
        let links = MessageLinks(events)
        self.links = links
        var counts = [Int32](repeating: 0, count: events.count + 1)
        for c in links.causeOf where c >= 0 { counts[Int(c) + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var fill = counts
        var list = [Int32](repeating: 0, count: Int(counts.last ?? 0))
        for (i, c) in links.causeOf.enumerated() where c >= 0 {
            list[Int(fill[Int(c)])] = Int32(i)
            fill[Int(c)] += 1
        }
        effectStart = counts
        effects = list
    }

    /// The events `i` caused, in trace order.
    func effects(of i: Int) -> ArraySlice<Int32> {
        effects[Int(effectStart[i])..<Int(effectStart[i + 1])]
    }

    /// The sends met going up from event `i` to the message that started it, nearest first: from
    /// each event to its cause, from a delivery to its send. Stops at a send for which `stop` is
    /// true, at an event without a known cause, or after `limit` hops.
    func sendsAbove(_ i: Int, stop: (TraceEvent) -> Bool = { _ in false }, limit: Int = 40) -> [Int] {
        var path: [Int] = []
        var current = i
        for _ in 0..<limit {
            let c = Int(links.causeOf[current])
            guard c >= 0, events[c].kind == .deliver else { break }
            let s = Int(links.sendOf[c])
            guard s >= 0 else { break }
            path.append(s)
            if stop(events[s]) { break }
            current = s
        }
        return path
    }

    /// Where a diagram of the sends starting at `send` begins: the event that caused the send (so
    /// that sibling sends of the same handler can be shown), or the send itself when nothing did.
    func root(of send: Int) -> Int {
        let c = Int(links.causeOf[send])
        return c >= 0 ? c : send
    }

    /// Everything that followed from `root` along messages whose label `follows` accepts: the
    /// accepted sends (and stream opens) it or its accepted messages' deliveries caused, and the
    /// node events those deliveries caused.
    /// - Returns: event indices in trace order: sends, stream opens, node events and stream closes
    ///   done by a handler, at most `limit` sends.
    func cone(from root: Int, follows: (String) -> Bool, limit: Int = 40) -> [Int] {
        var picked: [Int] = []
        var queue: [Int] = []
        var head = 0
        var sends = 0
        func consider(_ e: Int) {
            let ev = events[e]
            switch ev.kind {
            case .send, .streamOpen:
                guard sends < limit, follows(Self.messageLabel(ev)) else { return }
                sends += 1
                picked.append(e)
                let o = Int(links.outcomeOf[e])
                if o >= 0, events[o].kind == .deliver { queue.append(o) }
            case .node, .streamClose:
                picked.append(e)
            default:
                break
            }
        }
        let r = events[root]
        if r.kind == .send || r.kind == .streamOpen {
            consider(root)
        } else {
            queue.append(root)
        }
        while head < queue.count {
            let d = queue[head]
            head += 1
            for e in effects(of: d) { consider(Int(e)) }
        }
        return picked.sorted()
    }

    /// The label a send is drawn with: its message kind, or `stream-open` for a stream opening.
    static func messageLabel(_ e: TraceEvent) -> String {
        e.kind == .streamOpen ? "stream-open" : e.label
    }

    /// The diagram of the events `picked` (sends, stream opens, node events, stream closes) plus
    /// `notes` (an index and its text, on the event's node) and `placedNotes` (an index, the node
    /// it is drawn on, its text: for events of no node, such as a partition).
    func diagram(title: String, picked: [Int], notes: [(Int, String)] = [],
                 placedNotes: [(Int, NodeName, String)] = []) -> SequenceDiagram {
        var steps: [(Int, SequenceDiagram.Step)] = []
        var participants: [NodeName] = []
        for i in Set(picked).sorted() {
            let e = events[i]
            guard let node = e.node else { continue }
            switch e.kind {
            case .send, .streamOpen:
                guard let peer = e.peer else { continue }
                let o = Int(links.outcomeOf[i])
                let outcome: SequenceDiagram.Outcome
                if o < 0 {
                    outcome = .inFlight
                } else if events[o].kind == .drop {
                    outcome = .dropped(reason: events[o].detail)
                } else {
                    outcome = .delivered(events[o].at)
                }
                participants += [node, peer]
                steps.append((i, .message(from: node, to: peer, label: Self.messageLabel(e), sent: e.at, outcome: outcome)))
            case .node:
                participants.append(node)
                let text = e.detail.isEmpty ? e.label : "\(e.label) \(Self.readable(e.detail))"
                steps.append((i, .note(node: node, text: text, at: e.at)))
            case .streamClose:
                participants.append(node)
                steps.append((i, .note(node: node, text: "closes its stream with \(e.peer.map { "\($0)" } ?? "?")", at: e.at)))
            default:
                continue
            }
        }
        for (i, text) in notes {
            guard let node = events[i].node else { continue }
            participants.append(node)
            steps.append((i, .note(node: node, text: text, at: events[i].at)))
        }
        for (i, node, text) in placedNotes {
            participants.append(node)
            steps.append((i, .note(node: node, text: text, at: events[i].at)))
        }
        steps.sort { $0.0 < $1.0 }
        return SequenceDiagram(title: title, participants: participants, steps: steps.map(\.1))
    }

    /// A detail for a reader: the text of a `text=` field (always the last field) with its spaces
    /// back (the trace writes them as `_`).
    static func readable(_ detail: String) -> String {
        guard let r = detail.range(of: "text=") else { return detail }
        return String(detail[..<r.upperBound]) + String(detail[r.upperBound...].map { $0 == "_" ? " " : $0 })
    }

    /// The index of the first event at or after `from` for which `test` holds.
    func first(from: Int = 0, where test: (TraceEvent) -> Bool) -> Int? {
        var i = from
        while i < events.count {
            if test(events[i]) { return i }
            i += 1
        }
        return nil
    }

    /// Whether the event at `i` is a `KickStream` send that was delivered.
    func isDeliveredKick(_ i: Int) -> Bool {
        guard events[i].kind == .send, events[i].label == "KickStream" else { return false }
        let o = Int(links.outcomeOf[i])
        return o >= 0 && events[o].kind == .deliver
    }

    /// The first node event labelled `label` at or after `from` that also passes `test`.
    func firstNodeEvent(_ label: String, from: Int = 0, where test: (TraceEvent) -> Bool = { _ in true }) -> Int? {
        first(from: from) { $0.kind == .node && $0.label == label && test($0) }
    }
}
