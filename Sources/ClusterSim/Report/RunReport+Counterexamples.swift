import NetModel

extension RunReport {
    /// The "why it failed" section: per failed check, its counterexample as an SVG sequence
    /// diagram with virtual times (`id="counterexample-CHECK"`), and a link to the message-flow
    /// window at that time (`flowWindow`: check name → window id).
    func counterexampleSection(_ traces: [CounterexampleTrace], flowWindow: [String: String]) -> String {
        let failed = checks.filter { !$0.passed }
        guard !failed.isEmpty else { return "" }
        var out = "<section id=\"counterexamples\"><h2>Why it failed</h2>\n"
        out += "<p class=\"note\">For each failed check, its first counterexample drawn from the trace: one lane per node, "
        out += "time runs down (virtual time on the left), each arrow a real message from its send to its delivery "
        out += "(× a drop); highlighted notes are the events the check found.</p>\n"
        for c in failed.prefix(ReportLimits.tableRows) {
            out += "<div class=\"counterexample\" id=\"\(Self.counterexampleAnchor(c.name))\">\n<h3>\(Self.escape(c.name))</h3>\n"
            guard let t = traces.first(where: { $0.check == c.name }) else {
                out += "<p>This check names no single event of the trace; what it found: \(Self.escape(Self.clip(c.detail, ReportLimits.checkDetail)))</p>\n</div>\n"
                continue
            }
            out += "<p><strong>\(Self.escape(t.counterexample.summary))</strong> — \(t.counterexample.kind.rawValue), "
            out += "at t=\(Self.seconds(t.counterexample.at)).</p>\n"
            out += sequenceSVG(t.diagram)
            if let w = flowWindow[c.name] {
                out += "<p><a class=\"flow-link\" href=\"#\(w)\" data-window=\"\(w)\">See t=\(Self.seconds(Self.counterexampleWindowStart(t.span))) – "
                out += "\(Self.seconds(t.span.upperBound)) in the message flow</a></p>\n"
            }
            out += "</div>\n"
        }
        return out + "</section>\n"
    }

    /// A sequence diagram as SVG, sized by its viewBox to the page width: lanes across, one row
    /// per step, the virtual time of each step on the left; notes starting with
    /// ``CounterexampleTrace/markPrefix`` are highlighted.
    func sequenceSVG(_ d: SequenceDiagram) -> String {
        let left = 74.0, laneWidth = 170.0, top = 44.0, rowHeight = 26.0
        let lanes = d.participants
        let index = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1, $0) })
        func x(_ n: NodeName) -> Double { left + laneWidth * (Double(index[n] ?? 0) + 0.5) }
        let width = left + laneWidth * Double(max(1, lanes.count)) + 10
        let bottom = top + rowHeight * Double(d.steps.count) + 10
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seq\" viewBox=\"0 0 \(Int(width)) \(Int(bottom + 6))\" "
        out += "style=\"max-width:\(Int(width))px\" role=\"img\"><title>\(Self.escape(d.title))</title>\n"
        out += "<defs><marker id=\"sq-ah\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
        out += "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#444\"/></marker></defs>\n"
        out += "<text x=\"4\" y=\"30\" class=\"hdr\">time</text>\n"
        for n in lanes {
            out += "<text x=\"\(Self.f1(x(n)))\" y=\"30\" text-anchor=\"middle\" class=\"hdr\">\(n)</text>"
            out += "<line class=\"lane\" x1=\"\(Self.f1(x(n)))\" y1=\"\(Self.f1(top - 8))\" x2=\"\(Self.f1(x(n)))\" y2=\"\(Self.f1(bottom))\"/>\n"
        }
        var previous: VirtualInstant?
        for (k, step) in d.steps.enumerated() {
            let y = top + rowHeight * Double(k) + 12
            let at: VirtualInstant
            switch step {
            case .message(_, _, _, let sent, _): at = sent
            case .note(_, _, let t): at = t
            }
            if previous != at {
                out += "<text x=\"4\" y=\"\(Self.f1(y + 4))\" class=\"t\">\(Self.seconds(at))</text>\n"
                previous = at
            }
            switch step {
            case .message(let from, let to, let label, let sent, let outcome):
                let x0 = x(from), x1 = x(to)
                var tip = "\(label) \(from) → \(to) sent \(Self.seconds(sent))"
                let mid = (x0 + x1) / 2
                switch outcome {
                case .delivered(let t):
                    tip += ", delivered \(Self.seconds(t)) (+\(Self.ms(sent.duration(to: t).nanosecondsClamped)) ms)"
                    out += "<line class=\"m \(Self.messageClass(label))\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y - 4))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(y + 6))\" marker-end=\"url(#sq-ah)\"><title>\(Self.escape(tip))</title></line>"
                case .dropped(let reason):
                    tip += ", dropped (\(reason))"
                    let xe = x0 + (x1 - x0) * 0.7
                    out += "<line class=\"m \(Self.messageClass(label))\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y - 4))\" x2=\"\(Self.f1(xe))\" y2=\"\(Self.f1(y + 6))\"><title>\(Self.escape(tip))</title></line>"
                    out += "<path class=\"dropmark\" d=\"M\(Self.f1(xe - 4)),\(Self.f1(y + 2)) l8,8 m0,-8 l-8,8\"/>"
                case .inFlight:
                    tip += ", still in flight at the end"
                    out += "<line class=\"m \(Self.messageClass(label))\" stroke-dasharray=\"4 3\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y - 4))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(y + 6))\"><title>\(Self.escape(tip))</title></line>"
                }
                let text: String
                switch outcome {
                case .dropped(let reason): text = "\(label) ✗ \(reason)"
                default: text = label
                }
                out += "<text x=\"\(Self.f1(mid))\" y=\"\(Self.f1(y - 7))\" text-anchor=\"middle\" class=\"ml\">\(Self.escape(Self.clip(text, 28)))</text>\n"
            case .note(let node, let text, _):
                let marked = text.hasPrefix(CounterexampleTrace.markPrefix)
                let nx = x(node)
                // Notes sit on the side of their lane with more room, as long as that room allows.
                let roomRight = width - nx - 8, roomLeft = nx - 4 - left
                let onLeft = roomLeft > roomRight
                let room = max(roomLeft, roomRight)
                let shown = Self.clip(text, max(12, Int((room - 12) / 6.4)))
                let boxWidth = min(room, Double(shown.count) * 6.4 + 12)
                let bx = onLeft ? nx - boxWidth - 4 : nx + 4
                out += "<rect class=\"\(marked ? "note mark" : "note")\" x=\"\(Self.f1(max(left, bx)))\" y=\"\(Self.f1(y - 9))\" width=\"\(Self.f1(boxWidth))\" height=\"16\" rx=\"3\"/>"
                out += "<circle cx=\"\(Self.f1(nx))\" cy=\"\(Self.f1(y - 1))\" r=\"3\" class=\"\(marked ? "dot mark" : "dot")\"/>"
                out += "<text x=\"\(Self.f1(max(left, bx) + 5))\" y=\"\(Self.f1(y + 3))\" class=\"nt\">\(Self.escape(shown))<title>\(Self.escape(text))</title></text>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// The counterexample in Mermaid, with the virtual time on every arrow and note.
    static func counterexampleMermaid(_ d: SequenceDiagram) -> String {
        var out = "sequenceDiagram\n"
        for p in d.participants { out += "    participant \(SequenceDiagram.alias(p)) as \(p)\n" }
        for step in d.steps {
            switch step {
            case .message(let from, let to, let label, let sent, let outcome):
                let a = SequenceDiagram.alias(from), b = SequenceDiagram.alias(to)
                let text = SequenceDiagram.mermaidText(label)
                switch outcome {
                case .delivered(let t):
                    out += "    \(a)->>\(b): \(text) \(seconds(sent)) → \(seconds(t))\n"
                case .dropped(let reason):
                    out += "    \(a)-x\(b): \(text) \(seconds(sent)) (dropped: \(SequenceDiagram.mermaidText(reason)))\n"
                case .inFlight:
                    out += "    \(a)-)\(b): \(text) \(seconds(sent)) (in flight)\n"
                }
            case .note(let node, let text, let at):
                out += "    Note over \(SequenceDiagram.alias(node)): \(seconds(at)) \(SequenceDiagram.mermaidText(clip(text, 80)))\n"
            }
        }
        return out
    }
}
