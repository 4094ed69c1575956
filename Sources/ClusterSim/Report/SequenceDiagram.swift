import NetModel

/// A sequence diagram taken from a recorded trace: the nodes of one flow and, in trace order, the
/// messages between them (each a real send, with its real delivery or drop) and notes for what
/// the nodes logged.
package struct SequenceDiagram: Sendable, Equatable {
    /// What the diagram shows (`login`, `first push to a user on another frontend`).
    package var title: String
    /// The nodes in the flow, in lane order (``SequenceDiagram/laneOrder(_:)``).
    package var participants: [NodeName]
    /// The messages and notes, in the order of the trace.
    package var steps: [Step]

    /// One line of the diagram.
    package enum Step: Sendable, Equatable {
        /// A message sent by `from` to `to` at `sent`.
        case message(from: NodeName, to: NodeName, label: String, sent: VirtualInstant, outcome: Outcome)
        /// Something `node` logged or suffered (a node event, a crash) at `at`.
        case note(node: NodeName, text: String, at: VirtualInstant)
    }

    /// What became of a message.
    package enum Outcome: Sendable, Equatable {
        /// Delivered at that instant.
        case delivered(VirtualInstant)
        /// Dropped by the network, for the reason given (`loss`, `crashed`, `partition` …).
        case dropped(reason: String)
        /// Still in flight when the trace ended.
        case inFlight
    }

    /// Makes a diagram; the participants are sorted into lane order.
    package init(title: String, participants: [NodeName], steps: [Step]) {
        self.title = title
        self.participants = Array(Set(participants)).sorted(by: Self.lanePrecedes)
        self.steps = steps
    }

    /// Lane order, left to right: client, gateway, frontend, chat, session, management — the way a
    /// request travels from the player into the cluster.
    /// - Returns: the lane rank of `role`, from 0.
    package static func laneOrder(_ role: NodeRole) -> Int {
        switch role {
        case .client: 0
        case .gateway: 1
        case .frontend, .chatDoor: 2
        case .chat: 3
        case .session: 4
        case .management: 5
        }
    }

    /// Whether `a`'s lane is left of `b`'s.
    package static func lanePrecedes(_ a: NodeName, _ b: NodeName) -> Bool {
        (laneOrder(a.role), a.index) < (laneOrder(b.role), b.index)
    }

    /// How many steps are messages.
    package var messageCount: Int {
        steps.reduce(0) { if case .message = $1 { $0 + 1 } else { $0 } }
    }
}

extension SequenceDiagram {
    /// The diagram as Mermaid text (` ```mermaid ` fences not included): `sequenceDiagram`, one
    /// `participant ALIAS as NAME` per node, `A->>B: Label` for a delivered message, `A-xB: Label
    /// (dropped: reason)` for a dropped one, `A-)B: Label (in flight)` for one still travelling, and
    /// `Note over A: text` for notes. Time is drawn as notes across every lane: `t=2.000s` before
    /// the first step and `+2.250s (t=4.250s)` before any step at least ``mermaidGap`` after the one
    /// before it, so that a detection delay shows. Ids of 10 digits or more are shortened to their
    /// last 4 (`push=…0745`).
    package var mermaid: String {
        var out = "sequenceDiagram\n"
        for p in participants { out += "    participant \(Self.alias(p)) as \(p)\n" }
        let span = participants.count > 1 ? "\(Self.alias(participants[0])),\(Self.alias(participants[participants.count - 1]))"
            : participants.first.map(Self.alias) ?? ""
        var previous: VirtualInstant?
        for step in steps {
            let at: VirtualInstant
            switch step {
            case .message(_, _, _, let sent, _): at = sent
            case .note(_, _, let time): at = time
            }
            if !span.isEmpty {
                if let previous {
                    let gap = at.nanoseconds - previous.nanoseconds
                    if gap >= Self.mermaidGap.nanosecondsClamped {
                        out += "    Note over \(span): +\(Self.seconds(gap)) (t=\(Self.seconds(at.nanoseconds)))\n"
                    }
                } else {
                    out += "    Note over \(span): t=\(Self.seconds(at.nanoseconds))\n"
                }
            }
            previous = at
            switch step {
            case .message(let from, let to, let label, _, let outcome):
                let a = Self.alias(from), b = Self.alias(to), text = Self.mermaidText(label)
                switch outcome {
                case .delivered: out += "    \(a)->>\(b): \(text)\n"
                case .dropped(let reason): out += "    \(a)-x\(b): \(text) (dropped: \(Self.mermaidText(reason)))\n"
                case .inFlight: out += "    \(a)-)\(b): \(text) (in flight)\n"
                }
            case .note(let node, let text, _):
                out += "    Note over \(Self.alias(node)): \(Self.mermaidText(Self.shortIDs(text)))\n"
            }
        }
        return out
    }

    /// The smallest pause between two steps that the Mermaid text marks with a time note.
    package static let mermaidGap = Duration.milliseconds(100)

    /// `2.250s`: nanoseconds as seconds with millisecond precision.
    static func seconds(_ ns: Int64) -> String {
        let ms = ns / 1_000_000
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)s"
    }

    /// `text` with every run of 10 or more digits cut to `…` and its last 4 digits.
    static func shortIDs(_ text: String) -> String {
        var out = ""
        var digits = ""
        func flush() {
            out += digits.count >= 10 ? "…" + digits.suffix(4) : digits
            digits = ""
        }
        for c in text {
            if c.isASCII, c.isNumber { digits.append(c) } else { flush(); out.append(c) }
        }
        flush()
        return out
    }

    /// A Mermaid-safe participant id: `C1` for client-1, `F2`, `S1`, `M1`, `G1`, `CH1`.
    static func alias(_ name: NodeName) -> String {
        let prefix = switch name.role {
        case .client: "C"
        case .gateway: "G"
        case .frontend: "F"
        case .chat: "CH"
        case .chatDoor: "D"
        case .session: "S"
        case .management: "M"
        }
        return prefix + String(name.index)
    }

    /// Text with the characters Mermaid treats specially (`;`, `#`, line breaks) replaced.
    static func mermaidText(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case ";", "\n", "\r": out += ","
            case "#": out += "no."
            default: out.append(c)
            }
        }
        return out
    }
}
