import Foundation
import NetModel

extension Experiment {
    /// The experiment as an experiment file (`docs/experiment-reference.md`): one top-level field
    /// per line in the documented order, each section on one line, each fault on its own line.
    ///
    /// Fields equal to the format's default are left out (`timing`, `network` and `workload`
    /// members, an empty `expect`), except `seed`, `settle` and `checks`, which are always written
    /// so that the file says plainly how it runs.
    /// - Returns: JSON text that `Experiment.parse(_:)` reads back to an equal experiment.
    public func jsonText() -> String {
        var lines: [String] = []
        lines.append("\"name\": \(jsonString(name))")
        if !description.isEmpty { lines.append("\"description\": \(jsonString(description))") }
        lines.append("\"seed\": \(seed)")
        lines.append("\"duration\": \(ExperimentJSON.duration(duration))")
        lines.append("\"settle\": \(ExperimentJSON.duration(settle))")
        var shape = ["\"frontends\": \(cluster.frontends)"]
        if cluster.gateway { shape.append("\"gateway\": true") }
        if cluster.chat { shape.append("\"chat\": true") }
        lines.append("\"cluster\": " + ExperimentJSON.object(shape))
        if let t = timingMembers { lines.append("\"timing\": " + ExperimentJSON.object(t)) }
        if let n = networkMembers { lines.append("\"network\": " + ExperimentJSON.object(n)) }
        if let w = workloadMembers { lines.append("\"workload\": " + ExperimentJSON.object(w)) }
        if !faults.isEmpty {
            let items = faults.map { "    " + ExperimentJSON.fault($0) }
            lines.append("\"faults\": [\n" + items.joined(separator: ",\n") + "\n  ]")
        }
        lines.append("\"checks\": [" + checks.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]")
        if let e = expectMembers { lines.append("\"expect\": " + ExperimentJSON.object(e)) }
        return "{\n" + lines.map { "  " + $0 }.joined(separator: ",\n") + "\n}\n"
    }

    private var timingMembers: [String]? {
        let d = Timing()
        var m: [String] = []
        if timing.pingInterval != d.pingInterval { m.append("\"pingInterval\": \(ExperimentJSON.duration(timing.pingInterval))") }
        if timing.pingTimeout != d.pingTimeout { m.append("\"pingTimeout\": \(ExperimentJSON.duration(timing.pingTimeout))") }
        if timing.tokenLifetime != d.tokenLifetime { m.append("\"tokenLifetime\": \(ExperimentJSON.duration(timing.tokenLifetime))") }
        if timing.pushRetention != d.pushRetention { m.append("\"pushRetention\": \(ExperimentJSON.duration(timing.pushRetention))") }
        return m.isEmpty ? nil : m
    }

    private var networkMembers: [String]? {
        let d = LinkConditions()
        var m: [String] = []
        if network.defaults.latency != d.latency { m.append("\"latency\": " + ExperimentJSON.latency(network.defaults.latency)) }
        if network.defaults.drop != 0 { m.append("\"drop\": \(ExperimentJSON.number(network.defaults.drop))") }
        if network.defaults.duplicate != 0 { m.append("\"duplicate\": \(ExperimentJSON.number(network.defaults.duplicate))") }
        if network.defaults.reorder != 0 { m.append("\"reorder\": \(ExperimentJSON.number(network.defaults.reorder))") }
        if !network.links.isEmpty {
            let links = network.links.map { l in
                ExperimentJSON.object(["\"from\": \"\(l.from)\"", "\"to\": \"\(l.to)\"",
                                       "\"latency\": " + ExperimentJSON.latency(l.conditions.latency),
                                       "\"drop\": \(ExperimentJSON.number(l.conditions.drop))",
                                       "\"duplicate\": \(ExperimentJSON.number(l.conditions.duplicate))",
                                       "\"reorder\": \(ExperimentJSON.number(l.conditions.reorder))"])
            }
            m.append("\"links\": [" + links.joined(separator: ", ") + "]")
        }
        return m.isEmpty ? nil : m
    }

    private var workloadMembers: [String]? {
        let w = workload
        var m: [String] = []
        if w.clients != 0 { m.append("\"clients\": \(w.clients)") }
        if w.rampUp != .zero { m.append("\"rampUp\": \(ExperimentJSON.duration(w.rampUp))") }
        if w.requestRate != .zero { m.append("\"requestRate\": \(ExperimentJSON.rate(w.requestRate))") }
        if w.pushRate != .zero { m.append("\"pushRate\": \(ExperimentJSON.rate(w.pushRate))") }
        if let c = w.chat {
            m.append("\"chat\": " + ExperimentJSON.object(["\"rooms\": \(c.rooms)", "\"membersPerRoom\": \(c.membersPerRoom)",
                                                           "\"messageRate\": \(ExperimentJSON.rate(c.messageRate))"]))
        }
        if w.duplicateLogins != 0 { m.append("\"duplicateLogins\": \(ExperimentJSON.number(w.duplicateLogins))") }
        if let a = w.attacks {
            m.append("\"attacks\": " + ExperimentJSON.object(["\"clients\": \(a.clients)", "\"rate\": \(ExperimentJSON.rate(a.rate))"]))
        }
        if !w.services.isEmpty {
            let loads = w.services.map {
                ExperimentJSON.object(["\"service\": \("\"" + $0.service + "\"")", "\"rate\": \(ExperimentJSON.rate($0.rate))"])
            }
            m.append("\"services\": [" + loads.joined(separator: ", ") + "]")
        }
        return m.isEmpty ? nil : m
    }

    private var expectMembers: [String]? {
        let fields: [(String, Duration?)] = [("failoverWithin", expect.failoverWithin), ("detectionWithin", expect.detectionWithin),
                                             ("pushLatencyP50Below", expect.pushLatencyP50Below),
                                             ("pushLatencyP99Below", expect.pushLatencyP99Below)]
        let m = fields.compactMap { key, value in value.map { "\"\(key)\": \(ExperimentJSON.duration($0))" } }
        return m.isEmpty ? nil : m
    }
}

/// The value syntaxes of experiment files, written.
enum ExperimentJSON {
    /// `{ a, b }` on one line; `{}` when empty.
    static func object(_ members: [String]) -> String {
        members.isEmpty ? "{}" : "{ " + members.joined(separator: ", ") + " }"
    }

    /// A duration string (`"250ms"`), which `DurationText.parse` reads back exactly.
    static func duration(_ d: Duration) -> String { "\"" + DurationText.format(d) + "\"" }

    /// A probability or other number as the shortest text that reads back to the same `Double`.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }

    /// A rate string per second (`"0.5/s"`), written without an exponent (the rate syntax has none).
    static func rate(_ r: Rate) -> String {
        let text = r.description
        if !text.contains("e") { return "\"" + text + "\"" }
        // The fewest decimals that read back to the same value.
        var fixed = String(format: "%.40f", r.perSecond)
        for digits in 1...40 {
            let candidate = String(format: "%.\(digits)f", r.perSecond)
            if Double(candidate) == r.perSecond { fixed = candidate; break }
        }
        return "\"" + fixed + "/s\""
    }

    /// A latency object.
    static func latency(_ l: LatencyDistribution) -> String {
        switch l {
        case .constant(let v):
            return object(["\"distribution\": \"constant\"", "\"value\": \(duration(v))"])
        case .uniform(let lo, let hi):
            return object(["\"distribution\": \"uniform\"", "\"min\": \(duration(lo))", "\"max\": \(duration(hi))"])
        case .exponential(let mean, let lo, let hi):
            var m = ["\"distribution\": \"exponential\"", "\"mean\": \(duration(mean))"]
            if let lo { m.append("\"min\": \(duration(lo))") }
            if let hi { m.append("\"max\": \(duration(hi))") }
            return object(m)
        case .bimodal(let fast, let slow, let p):
            return object(["\"distribution\": \"bimodal\"", "\"fast\": \(duration(fast))", "\"slow\": \(duration(slow))",
                           "\"slowFraction\": \(number(p))"])
        }
    }

    /// One fault object.
    static func fault(_ f: Fault) -> String {
        var m = ["\"at\": \(duration(f.at))"]
        switch f.action {
        case .crash(let node, let after):
            m.append("\"crash\": \"\(node)\"")
            if let after { m.append("\"restartAfter\": \(duration(after))") }
        case .restart(let node):
            m.append("\"restart\": \"\(node)\"")
        case .partition(let groups, let oneWay, let heal):
            let g = groups.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
            m.append("\"partition\": [" + g.joined(separator: ", ") + "]")
            if oneWay { m.append("\"oneWay\": true") }
            if let heal { m.append("\"for\": \(duration(heal))") }
        case .pause(let node, let resume):
            m.append("\"pause\": \"\(node)\"")
            m.append("\"for\": \(duration(resume))")
        case .clockOffset(let node, let by):
            m.append("\"clockOffset\": \"\(node)\"")
            m.append("\"by\": \(duration(by))")
        }
        return object(m)
    }
}
