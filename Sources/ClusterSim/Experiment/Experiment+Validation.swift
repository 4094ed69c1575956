import NetModel

/// What is known about the nodes of an experiment while it is being read. A nil field is a value
/// that was itself wrong (already reported): names that depend on it are not questioned.
struct NodeContext {
    var frontends: Int?
    var chat: Bool?
    var gateway: Bool?
    var clients: Int?

    /// Why `name` is not a node of this experiment.
    /// - Returns: a message, or nil when the node exists (or might, given unknown fields).
    func problem(with name: NodeName, allowClients: Bool) -> String? {
        let unknown = "unknown node \"\(name)\""
        switch name.role {
        case .management, .session:
            return name.index == 1 ? nil : "\(unknown) (there is one \(name.role.rawValue) node, \(name.role.rawValue)-1)"
        case .frontend:
            guard let n = frontends, name.index > n else { return nil }
            return n == 1 ? "\(unknown) (this cluster has only frontend-1)" : "\(unknown) (this cluster has frontend-1 … frontend-\(n))"
        case .chat, .gateway:
            let role = name.role.rawValue
            if (name.role == .chat ? chat : gateway) == false {
                return "\(unknown) (this cluster has no \(role) node; set \"\(role)\": true in \"cluster\")"
            }
            return name.index == 1 ? nil : "\(unknown) (there is one \(role) node, \(role)-1)"
        case .chatDoor:
            return "\(unknown) (chat doors live in 'simctl chat-server --management' processes, not in experiments)"
        case .client:
            guard allowClients else {
                return "expected a server node, got \"\(name)\" (clients are never named in faults: they follow their frontend's or gateway's side)"
            }
            guard let n = clients, name.index > n else { return nil }
            return n == 0 ? "\(unknown) (this experiment has no clients: workload.clients is 0)"
                          : "\(unknown) (this experiment has client-1 … client-\(n))"
        }
    }
}

/// Cross-field rules, shared by the file reader (on what it could read) and `Experiment.validate()`.
enum ExperimentRules {
    typealias Issue = ExperimentError.Issue

    /// The shape of a partition: 2 or more non-empty groups, each node in one group only, and
    /// exactly 2 groups for `oneWay`. `path` is the fault's path (`faults[2]`).
    static func partitionIssues(groupCount: Int, emptyGroups: [Int], names: [(group: Int, name: NodeName)],
                                oneWay: Bool, path: String) -> [Issue] {
        var issues: [Issue] = []
        if groupCount < 2 {
            issues.append(.init(path: path + ".partition", message: "expected a list of at least 2 groups of nodes, got \(groupCount)"))
        }
        for g in emptyGroups {
            issues.append(.init(path: path + ".partition[\(g)]", message: "expected at least one node in each group, got an empty group"))
        }
        var seen: [NodeName: Int] = [:]
        var reported: Set<NodeName> = []
        for (group, name) in names {
            if let first = seen[name] {
                if reported.insert(name).inserted {
                    let message = first == group ? "node \"\(name)\" appears more than once in group \(group + 1)"
                                                 : "node \"\(name)\" appears in more than one group"
                    issues.append(.init(path: path + ".partition", message: message))
                }
            } else {
                seen[name] = group
            }
        }
        if oneWay && groupCount != 2 {
            issues.append(.init(path: path + ".oneWay", message: "a one-way partition needs exactly 2 groups (traffic from the first to the second is cut), got \(groupCount)"))
        }
        return issues
    }

    /// Faults in time: each `at` (and the end of each `for` or `restartAfter`) within `duration`,
    /// no crash of a crashed node, and a restart only of a node crashed without `restartAfter`.
    /// Faults are taken in order of `at`, ties in document order.
    static func timelineIssues(_ faults: [(index: Int, fault: Fault)], duration: Duration?) -> [Issue] {
        var issues: [Issue] = []
        func fmt(_ d: Duration) -> String { DurationText.format(d) }
        func late(_ end: Duration) -> Bool { duration.map { end > $0 } ?? false }
        let end = duration.map(fmt) ?? ""
        for (i, f) in faults {
            if late(f.at) {
                issues.append(.init(path: "faults[\(i)].at", message: "fault at \(fmt(f.at)) is after the end of duration (\(end))"))
                continue
            }
            switch f.action {
            case .crash(_, let after?) where late(f.at + after):
                issues.append(.init(path: "faults[\(i)].restartAfter", message: "the restart at \(fmt(f.at + after)) would be after the end of duration (\(end))"))
            case .partition(_, _, let heal?) where late(f.at + heal):
                issues.append(.init(path: "faults[\(i)].for", message: "the partition would heal at \(fmt(f.at + heal)), after the end of duration (\(end)); leave out \"for\" to keep it until the end"))
            case .pause(_, let resume) where late(f.at + resume):
                issues.append(.init(path: "faults[\(i)].for", message: "the node would resume at \(fmt(f.at + resume)), after the end of duration (\(end))"))
            default:
                break
            }
        }
        // Crash and restart bookkeeping, in time order.
        struct Down { var index: Int; var at: Duration; var autoRestart: Duration? }
        var down: [NodeName: Down] = [:]
        let ordered = faults.enumerated().sorted { ($0.element.fault.at, $0.offset) < ($1.element.fault.at, $1.offset) }.map(\.element)
        for (i, f) in ordered {
            switch f.action {
            case .crash(let node, let after):
                if let d = down[node], d.autoRestart.map({ $0 > f.at }) ?? true {
                    issues.append(.init(path: "faults[\(i)].crash", message: "\(node) is already crashed at \(fmt(f.at)) (by faults[\(d.index)] at \(fmt(d.at)))"))
                } else {
                    down[node] = Down(index: i, at: f.at, autoRestart: after.map { f.at + $0 })
                }
            case .restart(let node):
                guard let d = down[node], d.autoRestart.map({ $0 > f.at }) ?? true else {
                    issues.append(.init(path: "faults[\(i)].restart", message: "\(node) is not crashed at \(fmt(f.at)) (a restart needs an earlier crash without restartAfter)"))
                    continue
                }
                if let auto = d.autoRestart {
                    issues.append(.init(path: "faults[\(i)].restart", message: "\(node) already restarts at \(fmt(auto)) (restartAfter of faults[\(d.index)])"))
                } else {
                    down[node] = nil
                }
            default:
                break
            }
        }
        return issues
    }

    /// Links: two different nodes, and at most one override per direction.
    static func linkIssues(_ links: [(index: Int, link: LinkOverride)]) -> [Issue] {
        var issues: [Issue] = []
        var seen: [String: Int] = [:]
        for (i, l) in links {
            if l.from == l.to {
                issues.append(.init(path: "network.links[\(i)].to", message: "expected a node other than \"from\", got \"\(l.to)\" (a link joins two different nodes)"))
            } else if let first = seen["\(l.from)>\(l.to)"] {
                issues.append(.init(path: "network.links[\(i)]", message: "duplicate link \(l.from) → \(l.to) (already given in network.links[\(first)])"))
            } else {
                seen["\(l.from)>\(l.to)"] = i
            }
        }
        return issues
    }

    /// Chat rooms need the chat node and enough clients to fill them.
    static func chatIssues(_ chat: ChatWorkload, clusterChat: Bool?, clients: Int?) -> [Issue] {
        var issues: [Issue] = []
        if clusterChat == false {
            issues.append(.init(path: "workload.chat", message: "chat rooms need the chat node: set \"chat\": true in \"cluster\""))
        }
        let (members, overflow) = chat.rooms.multipliedReportingOverflow(by: chat.membersPerRoom)
        if let clients, overflow || members > clients {
            issues.append(.init(path: "workload.chat", message: "rooms × membersPerRoom (\(chat.rooms) × \(chat.membersPerRoom)) is more than workload.clients (\(clients))"))
        }
        return issues
    }
}

extension Experiment {
    /// Checks the rules a file must follow on an experiment built in code (files are checked when
    /// read): ranges, probabilities, node names, partitions, fault timeline, links and chat rooms.
    /// Issue paths are those the same experiment would have as a file.
    /// - Throws: an ``ExperimentError`` listing every problem; returns normally when there is none.
    public func validate() throws(ExperimentError) {
        typealias Issue = ExperimentError.Issue
        var issues: [Issue] = []
        func check(_ ok: Bool, _ path: String, _ message: @autoclosure () -> String) {
            if !ok { issues.append(Issue(path: path, message: message())) }
        }
        func probability(_ p: Double, _ path: String) {
            check((0...1).contains(p), path, "expected a probability between 0 and 1, got \(p)")
        }
        func nonNegative(_ d: Duration, _ path: String) {
            check(d >= .zero, path, "expected a non-negative duration, got \(DurationText.format(d))")
        }
        func positive(_ d: Duration, _ path: String) {
            check(d > .zero, path, "expected a duration of more than 0, got \(DurationText.format(d))")
        }
        check(!name.isEmpty, "name", "expected a non-empty string, got \"\"")
        positive(duration, "duration")
        nonNegative(settle, "settle")
        check((1...ClusterShape.maximumFrontends).contains(cluster.frontends), "cluster.frontends",
              "expected an integer from 1 to \(ClusterShape.maximumFrontends), got \(cluster.frontends)")
        positive(timing.pingInterval, "timing.pingInterval")
        positive(timing.pingTimeout, "timing.pingTimeout")
        positive(timing.tokenLifetime, "timing.tokenLifetime")
        nonNegative(timing.pushRetention, "timing.pushRetention")
        let nodes = NodeContext(frontends: cluster.frontends, chat: cluster.chat, gateway: cluster.gateway, clients: workload.clients)
        func latency(_ d: LatencyDistribution, _ path: String) {
            func ordered(_ lo: Duration, _ hi: Duration, _ key: String, _ lowKey: String) {
                check(lo <= hi, "\(path).\(key)", "expected \(key) ≥ \(lowKey) (\(DurationText.format(lo))), got \(DurationText.format(hi))")
            }
            switch d {
            case .constant(let v):
                nonNegative(v, path + ".value")
            case .uniform(let lo, let hi):
                nonNegative(lo, path + ".min"); nonNegative(hi, path + ".max"); ordered(lo, hi, "max", "min")
            case .exponential(let mean, let lo, let hi):
                nonNegative(mean, path + ".mean")
                if let lo { nonNegative(lo, path + ".min") }
                if let hi { nonNegative(hi, path + ".max") }
                if let lo, let hi { ordered(lo, hi, "max", "min") }
            case .bimodal(let fast, let slow, let p):
                nonNegative(fast, path + ".fast"); ordered(fast, slow, "slow", "fast")
                probability(p, path + ".slowFraction")
            }
        }
        latency(network.defaults.latency, "network.latency")
        for (i, l) in network.links.enumerated() { latency(l.conditions.latency, "network.links[\(i)].latency") }
        probability(network.defaults.drop, "network.drop")
        probability(network.defaults.duplicate, "network.duplicate")
        probability(network.defaults.reorder, "network.reorder")
        for (i, l) in network.links.enumerated() {
            probability(l.conditions.drop, "network.links[\(i)].drop")
            probability(l.conditions.duplicate, "network.links[\(i)].duplicate")
            probability(l.conditions.reorder, "network.links[\(i)].reorder")
            for (name, key) in [(l.from, "from"), (l.to, "to")] {
                if let p = nodes.problem(with: name, allowClients: true) { issues.append(Issue(path: "network.links[\(i)].\(key)", message: p)) }
            }
        }
        issues += ExperimentRules.linkIssues(network.links.enumerated().map { ($0.offset, $0.element) })
        check((0...Workload.maximumClients).contains(workload.clients), "workload.clients",
              "expected an integer from 0 to \(Workload.maximumClients), got \(workload.clients)")
        nonNegative(workload.rampUp, "workload.rampUp")
        check(workload.rampUp <= duration, "workload.rampUp", "ramp-up \(DurationText.format(workload.rampUp)) is longer than duration (\(DurationText.format(duration)))")
        probability(workload.duplicateLogins, "workload.duplicateLogins")
        if let chat = workload.chat {
            check(chat.rooms >= 1, "workload.chat.rooms", "expected an integer of at least 1, got \(chat.rooms)")
            check(chat.membersPerRoom >= 1, "workload.chat.membersPerRoom", "expected an integer of at least 1, got \(chat.membersPerRoom)")
            issues += ExperimentRules.chatIssues(chat, clusterChat: cluster.chat, clients: workload.clients)
        }
        for (i, f) in faults.enumerated() {
            let p = "faults[\(i)]"
            nonNegative(f.at, p + ".at")
            func node(_ n: NodeName, _ key: String) {
                if let m = nodes.problem(with: n, allowClients: false) { issues.append(Issue(path: "\(p).\(key)", message: m)) }
            }
            switch f.action {
            case .crash(let n, let after):
                node(n, "crash")
                if let after { nonNegative(after, p + ".restartAfter") }
            case .restart(let n):
                node(n, "restart")
            case .partition(let groups, let oneWay, let heal):
                for g in groups { for n in g { node(n, "partition") } }
                issues += ExperimentRules.partitionIssues(
                    groupCount: groups.count, emptyGroups: groups.indices.filter { groups[$0].isEmpty },
                    names: groups.enumerated().flatMap { g in g.element.map { (g.offset, $0) } }, oneWay: oneWay, path: p)
                if let heal { nonNegative(heal, p + ".for") }
            case .pause(let n, let resume):
                node(n, "pause")
                nonNegative(resume, p + ".for")
            case .clockOffset(let n, _):
                node(n, "clockOffset")
            }
        }
        issues += ExperimentRules.timelineIssues(faults.enumerated().map { ($0.offset, $0.element) }, duration: duration)
        for (i, c) in checks.enumerated() where checks[..<i].contains(c) {
            issues.append(Issue(path: "checks[\(i)]", message: "check \"\(c.rawValue)\" is listed more than once"))
        }
        for (path, d) in [("expect.failoverWithin", expect.failoverWithin), ("expect.detectionWithin", expect.detectionWithin),
                          ("expect.pushLatencyP50Below", expect.pushLatencyP50Below), ("expect.pushLatencyP99Below", expect.pushLatencyP99Below)] {
            if let d { nonNegative(d, path) }
        }
        if !issues.isEmpty { throw ExperimentError(issues: issues) }
    }
}
