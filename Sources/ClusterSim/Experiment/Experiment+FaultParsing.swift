import NetModel

/// The fault fields: `at`, one action, and the options that belong to some actions.
enum FaultFields {
    static let actions = ["crash", "restart", "partition", "pause", "clockOffset"]
    /// Each option and the actions it applies to.
    static let options: [(key: String, actions: [String])] = [
        ("restartAfter", ["crash"]), ("for", ["partition", "pause"]), ("oneWay", ["partition"]), ("by", ["clockOffset"]),
    ]
    static let all = ["at"] + actions + options.map(\.key)
}

extension ExperimentReader {
    /// The `faults` list; faults that are wrong are reported and left out.
    mutating func faultsSection(_ root: Fields, _ nodes: NodeContext, duration: Duration?) -> [Fault] {
        guard let items = list(root, "faults") else { return [] }
        var faults: [(index: Int, fault: Fault)] = []
        for (i, item) in items.enumerated() {
            if let fault = fault(item, at: "faults[\(i)]", nodes) { faults.append((i, fault)) }
        }
        report(ExperimentRules.timelineIssues(faults, duration: duration))
        return faults.map(\.fault)
    }

    /// One fault; nil when wrong (reported).
    private mutating func fault(_ item: JSONValue, at path: String, _ nodes: NodeContext) -> Fault? {
        guard let f = fields(item, at: path, allowed: FaultFields.all) else { return nil }
        let at = duration(f, "at", required: true)
        let kinds = FaultFields.actions.filter { f[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            let got = kinds.isEmpty ? "none" : kinds.dropLast().joined(separator: ", ") + " and " + kinds.last!
            report(path, "expected exactly one of \(FaultFields.actions.joined(separator: ", ")), got \(got)")
            return nil
        }
        for (key, owners) in FaultFields.options where f[key] != nil && !owners.contains(kind) {
            let applies = owners.map { "\"\($0)\"" }.joined(separator: " and ")
            report(f.path(key), "\"\(key)\" only applies to \(applies) faults, and this one is \"\(kind)\"")
        }
        let target = kind == "partition" ? nil : node(f[kind]!, at: f.path(kind), in: nodes, allowClients: false)
        let action: FaultAction?
        switch kind {
        case "crash":
            let after = duration(f, "restartAfter")
            action = target.map { .crash($0, restartAfter: after) }
        case "restart":
            action = target.map { .restart($0) }
        case "partition":
            let oneWay = bool(f, "oneWay")
            let heal = duration(f, "for")
            let groups = partitionGroups(f["partition"]!, at: f.path("partition"), faultPath: path, oneWay: oneWay ?? false, nodes)
            action = groups.map { .partition(groups: $0, oneWay: oneWay ?? false, heal: heal) }
        case "pause":
            let resume = duration(f, "for", required: true)
            action = target.flatMap { t in resume.map { .pause(t, resumeAfter: $0) } }
        default:  // clockOffset
            let by = duration(f, "by", required: true, allowNegative: true)
            action = target.flatMap { t in by.map { .clockOffset(t, by: $0) } }
        }
        guard let at, let action else { return nil }
        return Fault(at: at, action: action)
    }

    /// The groups of a partition, checked for shape; nil when anything is wrong (reported).
    private mutating func partitionGroups(_ v: JSONValue, at path: String, faultPath: String, oneWay: Bool,
                                          _ nodes: NodeContext) -> [[NodeName]]? {
        guard case .array(let rawGroups) = v else {
            report(path, "expected a list of groups of nodes like [[\"frontend-1\"], [\"session-1\", \"management-1\"]], got \(v.brief)")
            return nil
        }
        var groups: [[NodeName]] = []
        var names: [(group: Int, name: NodeName)] = []
        var empty: [Int] = []
        var ok = true
        for (g, rawGroup) in rawGroups.enumerated() {
            guard case .array(let rawNames) = rawGroup else {
                report(path + "[\(g)]", "expected a group (a list of node names), got \(rawGroup.brief)")
                ok = false
                continue
            }
            if rawNames.isEmpty { empty.append(g) }
            var group: [NodeName] = []
            for (k, rawName) in rawNames.enumerated() {
                if let n = node(rawName, at: path + "[\(g)][\(k)]", in: nodes, allowClients: false) {
                    group.append(n)
                    names.append((g, n))
                } else {
                    ok = false
                }
            }
            groups.append(group)
        }
        let issues = ExperimentRules.partitionIssues(groupCount: rawGroups.count, emptyGroups: empty, names: names,
                                                     oneWay: oneWay, path: faultPath)
        report(issues)
        return ok && issues.isEmpty ? groups : nil
    }
}
