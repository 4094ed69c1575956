import NetModel

extension Shrinker {
    /// The simplifications of `e` to try, in order, each with a one-line description. Some may be
    /// invalid (a restart left without its crash, a fault naming a removed frontend): the search
    /// validates each and skips those.
    /// - Returns: candidates, the biggest cuts first within each kind.
    package func candidates(of e: Experiment) -> [(String, Experiment)] {
        var out: [(String, Experiment)] = []
        func add(_ change: String, _ edit: (inout Experiment) -> Void) {
            var c = e
            edit(&c)
            if c != e { out.append((change, c)) }
        }
        // What the run checks: only the failing check (the run is the same, the file says what matters).
        if let name = CheckName(rawValue: check), e.checks != [name] || e.expect != Expectations() {
            add("checks: kept only \(check)") { $0.checks = [name]; $0.expect = Expectations() }
        } else if check.hasPrefix("expect."), !e.checks.isEmpty {
            add("checks: dropped every checker (kept \(check))") { $0.checks = [] }
        }
        // Faults: one at a time, then pairs (a crash with its restart).
        for i in e.faults.indices {
            add("dropped faults[\(i)]: \(Self.describe(e.faults[i]))") { $0.faults.remove(at: i) }
        }
        for i in e.faults.indices {
            for j in e.faults.indices where j > i {
                add("dropped faults[\(i)] and faults[\(j)]: \(Self.describe(e.faults[i])); \(Self.describe(e.faults[j]))") {
                    $0.faults.remove(at: j)
                    $0.faults.remove(at: i)
                }
            }
        }
        // Fewer clients.
        for n in Self.smaller(e.workload.clients, floor: 1) {
            add("clients \(e.workload.clients) → \(n)") { Self.setClients(&$0, n) }
        }
        // Shorter load phase, faults kept inside (validation rejects a fault that would fall out).
        for d in Self.shorter(e.duration) {
            add("duration \(DurationText.format(e.duration)) → \(DurationText.format(d))") {
                $0.duration = d
                $0.workload.rampUp = min($0.workload.rampUp, d)
            }
        }
        for d in (e.settle > .zero ? [.zero] : []) + Self.shorter(e.settle) {
            add("settle \(DurationText.format(e.settle)) → \(DurationText.format(d))") { $0.settle = d }
        }
        // Simpler network.
        add("latency: constant everywhere") { c in
            c.network.defaults.latency = Self.constant(c.network.defaults.latency)
            for i in c.network.links.indices { c.network.links[i].conditions.latency = Self.constant(c.network.links[i].conditions.latency) }
        }
        add("network: dropped the \(e.network.links.count) link overrides") { $0.network.links = [] }
        add("network: no loss, no duplicates") { $0.network.defaults.drop = 0; $0.network.defaults.duplicate = 0 }
        // Fewer nodes.
        for n in Self.smaller(e.cluster.frontends, floor: 1) {
            add("frontends \(e.cluster.frontends) → \(n)") { $0.cluster.frontends = n }
        }
        add("gateway off") { $0.cluster.gateway = false }
        add("chat off") { $0.cluster.chat = false; $0.workload.chat = nil }
        // Less load.
        add("attackers off") { $0.workload.attacks = nil }
        add("duplicate logins off") { $0.workload.duplicateLogins = 0 }
        for (key, path) in [("requestRate", \Workload.requestRate), ("pushRate", \Workload.pushRate)] {
            let rate = e.workload[keyPath: path]
            add("\(key) \(rate) → 0/s") { $0.workload[keyPath: path] = .zero }
            if rate.perSecond >= 0.05 {
                add("\(key) \(rate) → \(Rate(perSecond: rate.perSecond / 2))") { $0.workload[keyPath: path] = Rate(perSecond: rate.perSecond / 2) }
            }
        }
        if let chat = e.workload.chat, chat.messageRate.perSecond >= 0.05 {
            let half = Rate(perSecond: chat.messageRate.perSecond / 2)
            add("chat messageRate \(chat.messageRate) → \(half)") { $0.workload.chat?.messageRate = half }
        }
        if e.workload.duplicateLogins >= 0.02 {
            add("duplicateLogins \(e.workload.duplicateLogins) → \(e.workload.duplicateLogins / 2)") {
                $0.workload.duplicateLogins = e.workload.duplicateLogins / 2
            }
        }
        return out
    }

    /// `n / 2`, then `3n / 4`, each at least `floor` and less than `n`.
    static func smaller(_ n: Int, floor: Int) -> [Int] {
        var out: [Int] = []
        for m in [n / 2, n * 3 / 4] where m >= floor && m < n && !out.contains(m) { out.append(m) }
        return out
    }

    /// Half and three quarters of `d`, rounded down to the millisecond (when that leaves more than 0).
    static func shorter(_ d: Duration) -> [Duration] {
        let ms = d.nanosecondsClamped / 1_000_000
        return [ms / 2, ms * 3 / 4].filter { $0 > 0 && Duration.milliseconds($0) < d }.map { .milliseconds($0) }
    }

    /// A constant latency near `l`'s typical value: the value, the mean, the middle, the fast mode.
    static func constant(_ l: LatencyDistribution) -> LatencyDistribution {
        switch l {
        case .constant: l
        case .uniform(let lo, let hi): .constant(lo + (hi - lo) / 2)
        case .exponential(let mean, _, _): .constant(mean)
        case .bimodal(let fast, _, _): .constant(fast)
        }
    }

    /// Sets the number of clients to `n`, keeping the chat rooms, the attackers and the links
    /// that name clients within it.
    static func setClients(_ e: inout Experiment, _ n: Int) {
        e.workload.clients = n
        if var chat = e.workload.chat, chat.rooms * chat.membersPerRoom > n {
            chat.membersPerRoom = min(chat.membersPerRoom, n)
            chat.rooms = max(1, n / chat.membersPerRoom)
            e.workload.chat = chat
        }
        if let a = e.workload.attacks, a.clients > n { e.workload.attacks?.clients = n }
        e.network.links.removeAll { ($0.from.role == .client && $0.from.index > n) || ($0.to.role == .client && $0.to.index > n) }
    }

    /// A fault in the file's words: `crash frontend-3 at 5s (restart after 3s)`.
    package static func describe(_ f: Fault) -> String {
        let at = DurationText.format(f.at)
        switch f.action {
        case .crash(let n, let after):
            return "crash \(n) at \(at)" + (after.map { " (restart after \(DurationText.format($0)))" } ?? "")
        case .restart(let n):
            return "restart \(n) at \(at)"
        case .partition(let groups, let oneWay, let heal):
            let g = groups.map { "[" + $0.map(\.description).joined(separator: " ") + "]" }.joined(separator: oneWay ? " ↛ " : " | ")
            return "partition \(g) at \(at)" + (heal.map { " for \(DurationText.format($0))" } ?? "")
        case .pause(let n, let resume):
            return "pause \(n) at \(at) for \(DurationText.format(resume))"
        case .clockOffset(let n, let by):
            return "clock offset \(n) by \(DurationText.format(by)) at \(at)"
        }
    }
}
