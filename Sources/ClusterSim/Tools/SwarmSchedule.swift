import NetModel

/// Draws the fault schedule of one swarm experiment: faults of the allowed kinds on any server
/// (management, session, chat, gateway, any frontend), at random instants that may overlap.
///
/// Rules that keep every schedule valid and recoverable: each crash restarts (with `restartAfter`
/// or a separate `restart` fault) and each partition and pause ends, all inside `duration`; a node
/// is never crashed or paused while it is already down or paused; clock offsets stay within
/// ±``SwarmGenerator/maximumClockOffset`` and within that of each other. The faults are listed
/// by `at` (ties in drawing order).
struct SwarmSchedule {
    let kinds: [SwarmFaultKind]
    let servers: [NodeName]
    let duration: Duration

    /// The longest a crash or partition lasts, in milliseconds: 8 s, or less in a short run.
    private var longest: Int { min(8_000, Int(duration.nanosecondsClamped / 1_000_000) - 2_000) }

    /// Times a node is down or paused: [start, end].
    private var busy: [NodeName: [(Duration, Duration)]] = [:]
    /// Every clock offset drawn so far, with its node (in drawing order, which is not time order:
    /// any of them may be in force at the same time as a new one).
    private var offsets: [(node: NodeName, by: Duration)] = []

    init(kinds: [SwarmFaultKind], servers: [NodeName], duration: Duration) {
        self.kinds = kinds
        self.servers = servers
        self.duration = duration
    }

    /// The schedule: none in about 1 seed of 10, else 1–6 faults (1–3 at the small scale).
    mutating func draw(_ d: inout SwarmDraw, small: Bool) -> [Fault] {
        guard !kinds.isEmpty, !d.chance(0.1) else { return [] }
        var faults: [Fault] = []
        for _ in 0..<d.int(small ? 1...3 : 1...6) {
            faults += fault(&d, kind: d.pick(kinds))
        }
        return faults.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// A start instant from 1 s on such that `length` more ends within `duration`.
    private func start(_ d: inout SwarmDraw, length: Duration) -> Duration {
        let last = max(1_000, Int((duration - length).nanosecondsClamped / 1_000_000))
        return .milliseconds(d.int(min(1_000, last)...last))
    }

    /// Whether `node` is free of crashes and pauses over [from, to] (with a 100 ms margin).
    private func free(_ node: NodeName, _ from: Duration, _ to: Duration) -> Bool {
        let margin = Duration.milliseconds(100)
        return (busy[node] ?? []).allSatisfy { to + margin < $0.0 || $0.1 + margin < from }
    }

    private mutating func fault(_ d: inout SwarmDraw, kind: SwarmFaultKind) -> [Fault] {
        switch kind {
        case .crash:
            let node = d.pick(servers), down = d.milliseconds(500...longest)
            let separate = d.chance(0.5)
            let at = start(&d, length: down)
            guard free(node, at, at + down) else { return [] }
            busy[node, default: []].append((at, at + down))
            if separate { return [Fault(at: at, action: .crash(node, restartAfter: nil)), Fault(at: at + down, action: .restart(node))] }
            return [Fault(at: at, action: .crash(node, restartAfter: down))]
        case .partition:
            let shuffled = d.shuffled(servers)
            let cut = d.int(1...shuffled.count - 1)
            let rest = Array(shuffled[cut...])
            let second = d.chance(0.5) ? rest : Array(rest.prefix(d.int(1...rest.count)))
            let oneWay = d.chance(0.4)
            let heal = d.milliseconds(500...longest)
            let at = start(&d, length: heal)
            return [Fault(at: at, action: .partition(groups: [Array(shuffled[..<cut]).sorted(), second.sorted()], oneWay: oneWay, heal: heal))]
        case .pause:
            let node = d.pick(servers), length = d.milliseconds(200...5_000)
            let at = start(&d, length: length)
            guard free(node, at, at + length) else { return [] }
            busy[node, default: []].append((at, at + length))
            return [Fault(at: at, action: .pause(node, resumeAfter: length))]
        case .clock:
            let node = d.pick(servers)
            let limit = SwarmGenerator.maximumClockOffset
            let others = offsets.filter { $0.node != node }.map(\.by) + [.zero]
            let low = max(.zero - limit, others.max()! - limit), high = min(limit, others.min()! + limit)
            let ms = { (x: Duration) in Int(x.nanosecondsClamped / 1_000_000) }
            let by = Duration.milliseconds(d.int(ms(low)...ms(high)))
            offsets.append((node, by))
            return [Fault(at: start(&d, length: .zero), action: .clockOffset(node, by: by))]
        }
    }
}
