import NetModel
import Nodes

/// A node-level trace event (`TraceKind.node`) with its `key=value` detail read.
struct NodeEntry {
    /// The event itself.
    let event: TraceEvent

    var at: VirtualInstant { event.at }
    var node: NodeName? { event.node }
    var label: String { event.label }

    /// A detail field as text, read on demand.
    subscript(key: String) -> String? { event.fields.text(key) }

    /// The field `key` read as a node name.
    func name(_ key: String) -> NodeName? { event.fields.name(key) }

    /// The field `key` read as a comma-separated list (empty when absent).
    func list(_ key: String) -> [String] {
        if case .list(let l)? = event.fields[key] { return l }
        return (self[key] ?? "").split(separator: ",").map(String.init)
    }

    /// The field `key` read as an unsigned number.
    func number(_ key: String) -> UInt64? { event.fields.number(key) }
}

/// The positions of the retained node events of a run by label, and of the rarer network and
/// fault events by kind, and the count of every event recorded by kind and by node-event label
/// (retained or not): built in one pass per record, shared by every checker (records are values;
/// the index is immutable), so no checker walks the whole trace again.
final class NodeEventIndex: Sendable {
    /// Positions in the retained events of the node events, by label.
    let positions: [String: [Int]]
    /// Positions of every retained event that is not a send, delivery, timer or node event, by kind.
    let kindPositions: [TraceKind: [Int]]
    /// How many node events there were with each label, not counting the retained ones.
    let labelCounts: LabelTable<Int>
    /// How many events there were of each kind, by raw value (retained or not).
    let kindCounts: [Int]
    /// How many send, deliver and timer events there are (by kind; not positioned).
    var sends: Int { count(of: .send) }
    var deliveries: Int { count(of: .deliver) }
    var timers: Int { count(of: .timer) }
    /// How many events were recorded.
    let total: Int
    /// Every message the network dropped, retained or not (the checks read drops from here).
    let drops: DropLog

    convenience init(_ events: [TraceEvent]) {
        var builder = Builder()
        for i in events.indices { builder.add(events[i], at: i) }
        self.init(builder)
    }

    init(_ builder: Builder) {
        positions = builder.positions
        kindPositions = builder.kindPositions
        labelCounts = builder.labelCounts
        kindCounts = builder.kindCounts
        total = builder.total
        drops = builder.drops
    }

    /// How many events of `kind` there were.
    func count(of kind: TraceKind) -> Int { kindCounts[Int(kind.rawValue)] }

    /// How many node events labelled `label` there were (retained ones are counted by their positions).
    func count(label: String) -> Int { (labelCounts.value(of: label) ?? 0) + (positions[label]?.count ?? 0) }

    /// Builds an index one event at a time (the trace recorder does it while the run goes on).
    struct Builder {
        var positions: [String: [Int]] = [:]
        var kindPositions: [TraceKind: [Int]] = [:]
        /// Counted on the folding thread for every node event: a ``LabelTable``, not a hashed dictionary.
        var labelCounts = LabelTable<Int>()
        var kindCounts = [Int](repeating: 0, count: 32)
        var total = 0
        /// Every drop so far, retained or not.
        var drops = DropLog()

        /// Counts an event that is not retained (a drop goes to `drops`).
        mutating func count(_ event: TraceEvent) {
            total += 1
            kindCounts[Int(event.kind.rawValue)] += 1
            switch event.kind {
            case .node: labelCounts.update(event.label, default: 0) { $0 += 1 }
            case .drop: drops.append(event)
            default: break
            }
        }

        /// Counts the event and indexes it at `position` of the retained events.
        mutating func add(_ event: TraceEvent, at position: Int) {
            total += 1
            kindCounts[Int(event.kind.rawValue)] += 1
            switch event.kind {
            case .node: positions[event.label, default: []].append(position)
            case .send, .deliver, .timer: break
            default:
                kindPositions[event.kind, default: []].append(position)
                if event.kind == .drop { drops.append(event) }
            }
        }
    }
}

extension RunRecord {
    /// The node events whose label is one of `labels`, in trace order, with their fields read.
    func nodeEvents(_ labels: Set<String>) -> [NodeEntry] {
        precondition(retention != .checks || labels.allSatisfy(RunRecord.labelsReadAfterRun.contains),
                     "a check reads node events \(labels.sorted()) after the run that TraceRetention.checks does not keep")
        let indices = labels.flatMap { nodeIndex.positions[$0] ?? [] }.sorted()
        return indices.map { NodeEntry(event: events[$0]) }
    }

    /// The node events labelled `label`, in trace order, with their fields read.
    func nodeEvents(_ label: String) -> [NodeEntry] { nodeEvents([label]) }

    /// The node events a counterexample shows, when this record kept them: a run that kept only
    /// what the checks read (``TraceRetention/checks``) has a verdict without the evidence, so its
    /// counterexamples have no marks from these labels (`run --out` keeps everything).
    func counterexampleEvents(_ labels: Set<String>) -> [NodeEntry] {
        guard retention != .checks || labels.allSatisfy(RunRecord.labelsReadAfterRun.contains) else { return [] }
        return nodeEvents(labels)
    }

    /// `counterexampleEvents` of one label.
    func counterexampleEvents(_ label: String) -> [NodeEntry] { counterexampleEvents([label]) }

    /// The positions of the events of the given kinds (not send, deliver, timer or node), in trace order.
    func positions(of kinds: [TraceKind]) -> [Int] {
        let found = kinds.flatMap { nodeIndex.kindPositions[$0] ?? [] }
        return kinds.count > 1 ? found.sorted() : found
    }

    /// The positions of the node events labelled with one of `labels` and of the events of
    /// `kinds`, in trace order.
    func positions(labels: Set<String>, kinds: [TraceKind]) -> [Int] {
        (labels.flatMap { nodeIndex.positions[$0] ?? [] } + positions(of: kinds)).sorted()
    }

    /// The instants at which `node` crashed, in order.
    func crashes(of node: NodeName) -> [VirtualInstant] {
        crashes { $0 == node }
    }

    /// The instants at which a node matching `which` crashed, in order.
    func crashes(where which: (NodeName) -> Bool) -> [VirtualInstant] {
        positions(of: [.crash]).compactMap { i in events[i].node.flatMap { which($0) ? events[i].at : nil } }
    }

    /// Which of `wanted` are ids of messages the network dropped, for any reason.
    func droppedMessageIDs(among wanted: Set<UInt64>) -> Set<UInt64> { nodeIndex.drops.messageIDs(among: wanted) }
}

/// Intervals during which the network or the session node was disturbed (a partition, a pause,
/// `session-1` down, `management-1` down: the session node registers again with a restarted
/// manager, holding every call — the logins that would kick an older stream too — until it
/// serves), each stretched by a slack for the cluster to notice the end.
struct DisturbanceWindows {
    private(set) var intervals: [(start: VirtualInstant, end: VirtualInstant)] = []

    init(_ run: RunRecord, slack: Duration) {
        var partitions: [UInt64: VirtualInstant] = [:]
        var paused: [NodeName: VirtualInstant] = [:]
        var sessionDown: VirtualInstant?
        var managerDown: VirtualInstant?
        var found: [(start: VirtualInstant, end: VirtualInstant)] = []
        for i in run.positions(of: [.partition, .heal, .pause, .resume, .crash, .restart]) {
            let e = run.events[i]
            switch e.kind {
            case .partition: partitions[e.messageID] = e.at
            case .heal:
                if let s = partitions.removeValue(forKey: e.messageID) { found.append((s, e.at)) }
            case .pause:
                if let n = e.node { paused[n] = e.at }
            case .resume:
                if let n = e.node, let s = paused.removeValue(forKey: n) { found.append((s, e.at)) }
            case .crash where e.node == .session:
                sessionDown = sessionDown ?? e.at
            case .restart where e.node == .session:
                if let s = sessionDown { found.append((s, e.at)) }
                sessionDown = nil
            case .crash where e.node == .management:
                managerDown = managerDown ?? e.at
            case .restart where e.node == .management:
                if let s = managerDown { found.append((s, e.at)) }
                managerDown = nil
            default: break
            }
        }
        let open = partitions.values.sorted() + paused.values.sorted() + (sessionDown.map { [$0] } ?? [])
            + (managerDown.map { [$0] } ?? [])
        found += open.map { ($0, run.end) }
        intervals = found.map { ($0.start, $0.end.advanced(by: slack)) }.sorted { $0.start < $1.start }
    }

    /// Whether `[start, end]` meets any window.
    func intersects(_ start: VirtualInstant, _ end: VirtualInstant) -> Bool {
        intervals.contains { $0.start <= end && start <= $0.end }
    }
}

/// Formatting of check details.
enum Detail {
    /// How many offending items a detail shows.
    static let shown = 5

    /// The first few items and how many there are.
    /// - Returns: `a, b, c` when there are at most `limit`, else `a, b, c, … (12 in all)`.
    static func list(_ items: [String], limit: Int = shown) -> String {
        if items.count <= limit { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + ", … (\(items.count) in all)"
    }

    /// Counters as `a=3 b=12`, zeros left out, in the given order.
    /// - Returns: the pairs, or `none` when every count is zero.
    static func counts(_ pairs: [(String, Int)]) -> String {
        let shown = pairs.filter { $0.1 != 0 }.map { "\($0.0)=\($0.1)" }
        return shown.isEmpty ? "none" : shown.joined(separator: " ")
    }
}

/// The receipts of one item (a push, a chat line) by one user's devices, judged for duplicates.
enum Receipts {
    /// Classifies the receipts `clients` (in trace order) of one item by one user.
    /// - Returns: `.duplicate` when one client got it twice or two live devices both got it;
    ///   `.redelivered` when the extra copies went to retired (kicked duplicate-login) devices;
    ///   `.once` otherwise.
    static func judge(_ clients: [NodeName], retired: Set<NodeName>) -> Verdict {
        if clients.count <= 1 { return .once }
        if Set(clients).count != clients.count { return .duplicate }
        return clients.filter { !retired.contains($0) }.count <= 1 ? .redelivered : .duplicate
    }

    enum Verdict { case once, redelivered, duplicate }
}

/// Pairs attacks with the answers that refused them.
enum AttackMatching {
    /// Matches each attack, in trace order, with the first unused answer recorded after it.
    /// - Returns: the attacks left without an answer, in trace order.
    static func unanswered(_ attacks: [NodeEntry], answers: [NodeEntry]) -> [NodeEntry] {
        var next = 0
        var left: [NodeEntry] = []
        for attack in attacks {
            while next < answers.count && answers[next].event.seq <= attack.event.seq { next += 1 }
            if next < answers.count { next += 1 } else { left.append(attack) }
        }
        return left
    }
}
