import Foundation
import NetModel

/// How often a swarm drew each fault kind on each role, and each network, cluster and workload
/// feature: the coverage table `simctl swarm` prints at the end. Its text is sorted (fault kinds
/// in a fixed order, roles in node order, features by name), never in hash order.
package struct SwarmTally: Sendable, Equatable {
    /// The fault kinds of the table, in its row order.
    package static let faultKinds = ["crash+restartAfter", "crash+restart", "partition", "partition-one-way", "pause", "clock-offset"]
    /// The roles of the table, in its column order.
    package static let roles: [NodeRole] = [.management, .session, .frontend, .chat, .gateway]

    /// Experiments counted.
    package private(set) var experiments = 0
    /// Faults by kind and role (`"pause/session"`); a partition counts once for each role in it.
    package private(set) var faultsByRole: [String: Int] = [:]
    /// Faults by kind.
    package private(set) var faults: [String: Int] = [:]
    /// Experiments with each feature (`"latency: bimodal"`, `"drop"`, `"gateway"`, …).
    package private(set) var features: [String: Int] = [:]

    /// An empty tally.
    package init() {}

    /// Counts the faults and features of `e`.
    package mutating func add(_ e: Experiment) {
        experiments += 1
        for f in e.faults {
            let (kind, nodes): (String, [NodeName])
            switch f.action {
            case .crash(let n, let after): (kind, nodes) = (after == nil ? "crash+restart" : "crash+restartAfter", [n])
            case .restart: continue
            case .partition(let groups, let oneWay, _): (kind, nodes) = (oneWay ? "partition-one-way" : "partition", groups.flatMap { $0 })
            case .pause(let n, _): (kind, nodes) = ("pause", [n])
            case .clockOffset(let n, _): (kind, nodes) = ("clock-offset", [n])
            }
            faults[kind, default: 0] += 1
            for role in Self.roles where nodes.contains(where: { $0.role == role }) {
                faultsByRole[kind + "/" + role.rawValue, default: 0] += 1
            }
        }
        var seen: [String] = []
        func note(_ feature: String, _ present: Bool = true) { if present && !seen.contains(feature) { seen.append(feature) } }
        note("no faults", e.faults.isEmpty)
        note("gateway", e.cluster.gateway)
        note("chat node", e.cluster.chat)
        note("chat rooms", e.workload.chat != nil)
        note("duplicate logins", e.workload.duplicateLogins > 0)
        note("attackers", e.workload.attacks != nil)
        note("frontends: \(e.cluster.frontends)")
        let all = [e.network.defaults] + e.network.links.map(\.conditions)
        note("latency: " + Self.kindName(e.network.defaults.latency))
        note("drop", all.contains { $0.drop > 0 })
        note("duplicate", all.contains { $0.duplicate > 0 })
        note("reorder", all.contains { $0.reorder > 0 })
        note("link overrides", !e.network.links.isEmpty)
        for f in seen { features[f, default: 0] += 1 }
    }

    /// `constant`, `uniform`, `exponential` or `bimodal`.
    static func kindName(_ l: LatencyDistribution) -> String {
        switch l {
        case .constant: "constant"
        case .uniform: "uniform"
        case .exponential: "exponential"
        case .bimodal: "bimodal"
        }
    }

    /// The table: faults by kind and role, then the features sorted by name with how many
    /// experiments had each.
    /// - Returns: lines without newlines.
    package func lines() -> [String] {
        var out = ["faults drawn, by kind and role (a partition counts for each role in it):"]
        func cell(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        let width = max(20, (Self.faultKinds + features.keys).map(\.count).max() ?? 0)
        func label(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        let header = Self.roles.map(\.rawValue) + ["total"]
        out.append("  " + label("kind") + header.map { cell($0, 11) }.joined())
        for kind in Self.faultKinds {
            let counts = Self.roles.map { faultsByRole[kind + "/" + $0.rawValue] ?? 0 } + [faults[kind] ?? 0]
            out.append("  " + label(kind) + counts.map { cell("\($0)", 11) }.joined())
        }
        out.append("features drawn (experiments with it, of \(experiments)):")
        for name in features.keys.sorted() {
            out.append("  " + label(name) + cell("\(features[name]!)", 11))
        }
        return out
    }
}
