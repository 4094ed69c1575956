import NetModel

/// The first case that made a check fail, as data: the trace events that show it, each with its
/// position and what part it plays. A report draws it as a sequence diagram (``RunReport``); the
/// check's `detail` says the same in words.
public struct Counterexample: Sendable, Equatable {
    /// What kind of offence it is.
    public enum Kind: String, Sendable, Equatable {
        /// Something received (or done) twice: a push, a chat line, a request executed twice.
        case duplicate
        /// Something accepted and never received.
        case lost
        /// Received after a later one.
        case outOfOrder = "out-of-order"
        /// Received but never accepted, or served without a valid reason.
        case unexplained
        /// Two things at once that the rules forbid (two live sessions of one user).
        case overlap
        /// A failover or detection slower than its bound: crash → detection → reconnect.
        case slow
        /// Something that never happened by the end of the run (a client never back).
        case missing
    }

    /// One event of the counterexample.
    public struct Mark: Sendable, Equatable {
        /// The event's position in the trace (``TraceEvent/seq``, from 1).
        public var seq: Int
        /// When it happened.
        public var at: VirtualInstant
        /// Where it happened.
        public var node: NodeName?
        /// The part it plays, in a few words (`accepted`, `first receipt`, `second receipt`, `crash`).
        public var role: String

        /// Makes a mark.
        public init(seq: Int, at: VirtualInstant, node: NodeName?, role: String) {
            self.seq = seq
            self.at = at
            self.node = node
            self.role = role
        }

        /// The mark of `event` playing `role`.
        public init(_ event: TraceEvent, role: String) {
            self.init(seq: event.seq, at: event.at, node: event.node, role: role)
        }
    }

    /// What kind of offence it is.
    public var kind: Kind
    /// One line for a human (`push 17 to alice received twice`).
    public var summary: String
    /// The events that show it, in trace order.
    public var marks: [Mark]
    /// What it is about, when that is one thing a report can follow through the trace.
    public var subject: Subject?

    /// What a counterexample is about.
    public enum Subject: Sendable, Equatable {
        /// One push to one user (`push=` and `user=` of the push events).
        case push(id: UInt64, user: String)
        /// One chat line (`msg=` of `chat-line` and `chat-received`).
        case chatLine(msg: UInt64)
        /// One node (a client that never came back, a frontend that crashed).
        case node(NodeName)
    }

    /// Makes a counterexample; `marks` are put in trace order.
    public init(kind: Kind, summary: String, marks: [Mark], subject: Subject? = nil) {
        self.kind = kind
        self.summary = summary
        self.marks = marks.sorted { $0.seq < $1.seq }
        self.subject = subject
    }

    /// When the offence first shows: the last of its marks (the second receipt of a duplicate,
    /// the reconnect that came too late), or the only one.
    public var at: VirtualInstant { marks.last?.at ?? .zero }

    /// The instant of its first mark.
    public var start: VirtualInstant { marks.first?.at ?? .zero }
}

extension CheckResult {
    /// This result with `counterexample` attached when it failed and the counterexample names
    /// at least one event (a passing result stays as it is).
    func with(_ counterexample: Counterexample?) -> CheckResult {
        guard !passed, let counterexample, !counterexample.marks.isEmpty else { return self }
        var copy = self
        copy.counterexample = counterexample
        return copy
    }
}

extension RunRecord {
    /// The mark of the event at trace position `seq` (from 1) playing `role`; an unknown position
    /// (or a run that kept only what its checks read, whose events are not all at hand) gives a
    /// mark without node at the start of the run.
    func mark(_ seq: Int, role: String) -> Counterexample.Mark {
        guard retainsEverything, seq >= 1, seq <= events.count, events[seq - 1].seq == seq else {
            return Counterexample.Mark(seq: seq, at: .zero, node: nil, role: role)
        }
        return Counterexample.Mark(events[seq - 1], role: role)
    }
}
