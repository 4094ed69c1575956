import NetModel

/// A sequence diagram taken from a recorded trace: the nodes of one flow and, in trace order, the
/// messages between them (each a real send, with its real delivery or drop) and notes for what
/// the nodes logged.
public struct SequenceDiagram: Sendable, Equatable {
    /// What the diagram shows (`login`, `first push to a user on another frontend`).
    public var title: String
    /// The nodes in the flow, in lane order (``SequenceDiagram/laneOrder(_:)``).
    public var participants: [NodeName]
    /// The messages and notes, in the order of the trace.
    public var steps: [Step]

    /// One line of the diagram.
    public enum Step: Sendable, Equatable {
        /// A message sent by `from` to `to` at `sent`.
        case message(from: NodeName, to: NodeName, label: String, sent: VirtualInstant, outcome: Outcome)
        /// Something `node` logged or suffered (a node event, a crash) at `at`.
        case note(node: NodeName, text: String, at: VirtualInstant)
    }

    /// What became of a message.
    public enum Outcome: Sendable, Equatable {
        /// Delivered at that instant.
        case delivered(VirtualInstant)
        /// Dropped by the network, for the reason given (`loss`, `crashed`, `partition` …).
        case dropped(reason: String)
        /// Still in flight when the trace ended.
        case inFlight
    }

    /// Makes a diagram; the participants are sorted into lane order.
    public init(title: String, participants: [NodeName], steps: [Step]) {
        self.title = title
        self.participants = Array(Set(participants)).sorted(by: Self.lanePrecedes)
        self.steps = steps
    }

    /// Lane order, left to right: client, gateway, frontend, chat, session, management — the way a
    /// request travels from the player into the cluster.
    /// - Returns: the lane rank of `role`, from 0.
    public static func laneOrder(_ role: NodeRole) -> Int {
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
    public static func lanePrecedes(_ a: NodeName, _ b: NodeName) -> Bool {
        (laneOrder(a.role), a.index) < (laneOrder(b.role), b.index)
    }

    /// How many steps are messages.
    public var messageCount: Int {
        steps.reduce(0) { if case .message = $1 { $0 + 1 } else { $0 } }
    }
}

extension SequenceDiagram {
    /// The diagram as Mermaid text (` ```mermaid ` fences not included): `sequenceDiagram`, one
    /// `participant ALIAS as NAME` per node, `A->>B: Label` for a delivered message, `A-xB: Label
    /// (dropped: reason)` for a dropped one, `A-)B: Label (in flight)` for one still travelling, and
    /// `Note over A: text` for notes.
    public var mermaid: String {
        var out = "sequenceDiagram\n"
        for p in participants { out += "    participant \(Self.alias(p)) as \(p)\n" }
        for step in steps {
            switch step {
            case .message(let from, let to, let label, _, let outcome):
                let a = Self.alias(from), b = Self.alias(to), text = Self.mermaidText(label)
                switch outcome {
                case .delivered: out += "    \(a)->>\(b): \(text)\n"
                case .dropped(let reason): out += "    \(a)-x\(b): \(text) (dropped: \(Self.mermaidText(reason)))\n"
                case .inFlight: out += "    \(a)-)\(b): \(text) (in flight)\n"
                }
            case .note(let node, let text, _):
                out += "    Note over \(Self.alias(node)): \(Self.mermaidText(text))\n"
            }
        }
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
