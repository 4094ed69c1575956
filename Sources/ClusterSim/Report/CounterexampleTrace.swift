import NetModel
import Nodes

/// A failed check's counterexample followed through the trace: the events that show it, the
/// messages that led to each of them, and, for a duplicate, the hop that duplicated it; for a
/// loss, the last hop where it was seen. Reports draw it as a sequence diagram with virtual times.
package struct CounterexampleTrace: Sendable, Equatable {
    /// The check that failed.
    package var check: String
    /// The check's counterexample.
    package var counterexample: Counterexample
    /// The diagram: participants, messages (with delivery times) and notes in trace order.
    package var diagram: SequenceDiagram
    /// The trace positions (indices from 0) of the drawn events, in trace order.
    package var events: [Int]
    /// For a duplicate: the index of the send that was delivered twice (a network duplicate) or
    /// of the second of two sends of the same thing (a resend).
    package var duplicatedAt: Int?
    /// For a loss: the index of the last event that shows the lost thing.
    package var lastSeen: Int?

    /// The first and last instants drawn.
    package var span: ClosedRange<VirtualInstant>

    /// The start of the notes of the events the check found (and of the hop that duplicated, or
    /// the last hop seen): `▶ `.
    package static let markPrefix = "▶ "

    /// Most sends drawn.
    static let sendLimit = 40

    /// Follows `counterexample` (of `check`) through `tracer`'s trace.
    init(check: String, counterexample: Counterexample, tracer: FlowTracer) {
        self.check = check
        self.counterexample = counterexample
        let events = tracer.events
        var picked: Set<Int> = []
        var notes: [(Int, String)] = []
        func valid(_ seq: Int) -> Int? { seq >= 1 && seq <= events.count ? seq - 1 : nil }
        func climb(_ i: Int, hops: Int) {
            for s in tracer.sendsAbove(i, limit: hops) where picked.count < Self.sendLimit { picked.insert(s) }
        }
        var markIndices: [Int] = []
        for m in counterexample.marks {
            guard let i = valid(m.seq) else { continue }
            markIndices.append(i)
            notes.append((i, Self.markPrefix + Self.noteText(events[i], role: m.role)))
            climb(i, hops: counterexample.kind == .slow ? 3 : 8)
        }
        // A duplicate: the two receipts' paths part at the hop that duplicated.
        var duplicated: Int?
        if counterexample.kind == .duplicate {
            let receipts = markIndices.filter { events[$0].node?.role == .client }
            if receipts.count >= 2 {
                let a = Array(tracer.sendsAbove(receipts[0]).reversed()), b = Array(tracer.sendsAbove(receipts[1]).reversed())
                var k = 0
                while k < a.count, k < b.count, a[k] == b[k] { k += 1 }
                if k == a.count || k == b.count, k > 0 {
                    duplicated = a[k - 1]   // one send, delivered twice
                    notes.append((a[k - 1], Self.markPrefix + "delivered twice: this hop duplicated it"))
                } else if k < a.count, k < b.count {
                    duplicated = max(a[k], b[k])
                    notes.append((duplicated!, Self.markPrefix + "sent again: this hop duplicated it"))
                }
            }
        }
        // A loss: every event that names the lost thing, the last one being where it was last seen.
        var last: Int?
        if counterexample.kind == .lost, let subject = counterexample.subject {
            let seen = Self.events(about: subject, in: events, from: markIndices.first ?? 0)
            for i in seen.prefix(12) where !markIndices.contains(i) && i != seen.last {
                notes.append((i, Self.noteText(events[i], role: "seen")))
                climb(i, hops: 2)
            }
            last = seen.last ?? markIndices.last
            if let l = last {
                // What the last handler that saw it sent next, and what became of that.
                for s in tracer.cone(from: tracer.root(of: l), follows: { _ in true }, limit: 6)
                where events[s].kind == .send || events[s].kind == .streamOpen {
                    picked.insert(s)
                }
                if !markIndices.contains(l) { notes.append((l, Self.markPrefix + Self.noteText(events[l], role: "last seen here"))) }
            }
        }
        self.duplicatedAt = duplicated
        self.lastSeen = last
        let all = picked.union(notes.map(\.0)).sorted()
        self.events = all
        self.diagram = tracer.diagram(title: "\(check): \(counterexample.summary)", picked: Array(picked), notes: notes)
        let instants = all.map { events[$0].at } + all.compactMap { i -> VirtualInstant? in
            let o = Int(tracer.links.outcomeOf[i])
            return o >= 0 ? events[o].at : nil
        }
        self.span = (instants.min() ?? counterexample.start)...(instants.max() ?? counterexample.at)
    }

    /// The text of a note for an event playing `role`: `role: label fields`.
    static func noteText(_ e: TraceEvent, role: String) -> String {
        switch e.kind {
        case .node: return role == e.label ? "\(e.label) \(e.detail)" : "\(role): \(e.label) \(e.detail)"
        case .send, .streamOpen: return role
        default: return "\(role): \(e.kind)\(e.detail.isEmpty ? "" : " " + e.detail)"
        }
    }

    /// The indices of the node events at or after `from` that name `subject` (a push by `push=`
    /// and `user=`, a chat line by `msg=`), in trace order.
    static func events(about subject: Counterexample.Subject, in events: [TraceEvent], from: Int) -> [Int] {
        var out: [Int] = []
        var i = from
        while i < events.count {
            let e = events[i]
            if e.kind == .node {
                switch subject {
                case .push(let id, let user):
                    // The requester's own reply says nothing of where the push went.
                    if e.label != NodeLog.clientReply, e.fields.number("push") == id,
                       e.fields.text("user") == user || e.fields.text("user") == nil { out.append(i) }
                case .chatLine(let msg):
                    if e.fields.number("msg") == msg { out.append(i) }
                case .node(let n):
                    if e.node == n { out.append(i) }
                }
            }
            i += 1
        }
        return out
    }
}

extension RunReport {
    /// Each failed check that has a counterexample, followed through the trace, in check order.
    func counterexampleTraces(_ tracer: FlowTracer) -> [CounterexampleTrace] {
        checks.compactMap { c in
            guard !c.passed, let example = c.counterexample else { return nil }
            return CounterexampleTrace(check: c.name, counterexample: example, tracer: tracer)
        }
    }

    /// The summary that leads the report: `2 of 9 checks failed, first at t=1.250s` or `all 9
    /// checks passed`.
    package var verdict: String {
        let failed = checks.filter { !$0.passed }
        guard !failed.isEmpty else { return "All \(checks.count) checks passed" }
        var text = "\(failed.count) of \(checks.count) checks failed"
        if let first = failed.compactMap({ $0.counterexample?.at }).min() {
            text += ", first at t=\(Self.seconds(first))"
        }
        return text
    }

    /// An instant as seconds with three decimals: `21.167s`.
    static func seconds(_ at: VirtualInstant) -> String {
        "\(number(Double(at.nanoseconds / 1_000_000) / 1_000))s"
    }

    /// The anchor of a check's counterexample section: `counterexample-push-delivery`.
    static func counterexampleAnchor(_ check: String) -> String {
        "counterexample-" + String(check.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }
}
