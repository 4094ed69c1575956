import Foundation
import NetModel
import Nodes

extension Experiment {
    /// Reads and validates the experiment file at `path`, with `overrides` applied to its JSON
    /// before it is read (see ``ExperimentOverride``).
    /// - Returns: the experiment.
    /// - Throws: an ``ExperimentError`` with every problem in document order; a file that cannot
    ///   be read is one issue with path `""` saying why in plain words (no such file, a directory,
    ///   not readable). `workload.services` must name simulated services of `services`.
    public static func load(path: String, overrides: [ExperimentOverride] = [],
                            services: ServiceRegistry = .standard) throws(ExperimentError) -> Experiment {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ExperimentError(issues: [.init(path: "", message: unreadableFileMessage(path))])
        }
        return try parse([UInt8](data), overrides: overrides, services: services)
    }

    /// Why the file at `path` cannot be read, in plain words.
    package static func unreadableFileMessage(_ path: String, what: String = "experiment file") -> String {
        var isDirectory: ObjCBool = false
        let files = FileManager.default
        if !files.fileExists(atPath: path, isDirectory: &isDirectory) {
            return "cannot read \(what) \(jsonQuoted(path)): there is no such file"
        }
        if isDirectory.boolValue {
            return "cannot read \(what) \(jsonQuoted(path)): it is a directory, not a file"
        }
        if !files.isReadableFile(atPath: path) {
            return "cannot read \(what) \(jsonQuoted(path)): permission denied (the file is not readable by this user)"
        }
        return "cannot read \(what) \(jsonQuoted(path)): the file could not be read"
    }

    /// Parses and validates an experiment file's text.
    /// - Returns: the experiment.
    /// - Throws: an ``ExperimentError`` with every problem in document order.
    public static func parse(_ text: String, services: ServiceRegistry = .standard) throws(ExperimentError) -> Experiment {
        try parse(Array(text.utf8), services: services)
    }

    /// Parses and validates an experiment file's UTF-8 bytes, with `overrides` applied to the JSON
    /// first (in order). `workload.services` must name simulated services of `services`.
    /// - Returns: the experiment.
    /// - Throws: an ``ExperimentError`` with every problem in document order. A JSON syntax error
    ///   is a single issue with path `""` whose message starts with `line L, column C:`.
    public static func parse(_ bytes: [UInt8], overrides: [ExperimentOverride] = [],
                             services: ServiceRegistry = .standard) throws(ExperimentError) -> Experiment {
        var json: JSONValue, offsets: [String: Int]
        do {
            (json, offsets) = try JSONParser.parse(bytes)
        } catch {
            throw ExperimentError(issues: [.init(path: "", message: "line \(error.line), column \(error.column): \(error.message)")])
        }
        for o in overrides { json = try o.applied(to: json) }
        var reader = ExperimentReader(offsets: offsets, services: services)
        let experiment = reader.experiment(json)
        if let experiment, reader.issues.isEmpty { return experiment }
        throw ExperimentError(issues: reader.issues)
    }
}

/// The fields accepted in each object of an experiment file (the order is the one shown in
/// "unknown field" messages).
enum ExperimentFields {
    static let root = ["name", "description", "seed", "duration", "settle", "cluster", "timing", "network",
                       "workload", "faults", "checks", "expect"]
    static let cluster = ["frontends", "gateway", "chat"]
    static let timing = ["pingInterval", "pingTimeout", "tokenLifetime", "pushRetention"]
    static let network = ["latency", "drop", "duplicate", "reorder", "links"]
    static let link = ["from", "to", "latency", "drop", "duplicate", "reorder"]
    static let workload = ["clients", "rampUp", "requestRate", "pushRate", "chat", "duplicateLogins", "attacks", "services"]
    static let serviceLoad = ["service", "rate"]
    static let attacks = ["clients", "rate"]
    static let chat = ["rooms", "membersPerRoom", "messageRate"]
    static let expect = ["failoverWithin", "detectionWithin", "pushLatencyP50Below", "pushLatencyP99Below"]
    static let latency: [String: [String]] = [
        "constant": ["distribution", "value"],
        "uniform": ["distribution", "min", "max"],
        "exponential": ["distribution", "mean", "min", "max"],
        "bimodal": ["distribution", "fast", "slow", "slowFraction"],
    ]
    static let distributions = ["constant", "uniform", "exponential", "bimodal"]
}

extension ExperimentReader {
    /// The whole experiment; nil when a required part is missing or wrong (all reported).
    /// Sections others depend on (cluster, duration, clients) are read first; issues are sorted
    /// into document order anyway.
    mutating func experiment(_ json: JSONValue) -> Experiment? {
        guard let root = fields(json, at: "", allowed: ExperimentFields.root) else { return nil }
        let clusterFields = object(root, "cluster", allowed: ExperimentFields.cluster, required: true)
        let frontends = clusterFields.flatMap { int($0, "frontends", in: 1...ClusterShape.maximumFrontends, required: true) }
        let gateway = clusterFields.map { bool($0, "gateway") ?? ($0["gateway"] == nil ? false : nil) } ?? nil
        let chat = clusterFields.map { bool($0, "chat") ?? ($0["chat"] == nil ? false : nil) } ?? nil
        let duration = self.duration(root, "duration", required: true)
        if duration == .zero, let v = root["duration"] { report("duration", "expected a duration of more than 0, got \(v.brief)") }
        let workloadFields = object(root, "workload", allowed: ExperimentFields.workload)
        let clients: Int? = workloadFields.map { int($0, "clients", in: 0...Workload.maximumClients) ?? ($0["clients"] == nil ? 0 : nil) } ?? 0
        let nodes = NodeContext(frontends: frontends, chat: chat, gateway: gateway, clients: clients)

        let name = string(root, "name", required: true)
        if name == "" { report("name", "expected a non-empty string, got \"\"") }
        let description = string(root, "description")
        let seed = uint64(root, "seed")
        let settle = self.duration(root, "settle")
        let timing = object(root, "timing", allowed: ExperimentFields.timing).map { timingSection($0) } ?? Timing()
        let network = object(root, "network", allowed: ExperimentFields.network).map { networkSection($0, nodes) } ?? NetworkSpec()
        let workload = workloadFields.map { workloadSection($0, nodes, duration: duration) } ?? Workload()
        let faults = faultsSection(root, nodes, duration: duration)
        let checks = checksSection(root)
        let expect = object(root, "expect", allowed: ExperimentFields.expect).map { expectSection($0) } ?? Expectations()

        guard let name, let duration, let frontends else { return nil }
        return Experiment(name: name, description: description ?? "", seed: seed ?? 1, duration: duration,
                          settle: settle ?? .seconds(10),
                          cluster: ClusterShape(frontends: frontends, gateway: gateway ?? false, chat: chat ?? false),
                          timing: timing, network: network, workload: workload, faults: faults,
                          checks: checks, expect: expect)
    }

    /// A duration that must be more than zero.
    private mutating func positiveDuration(_ f: Fields, _ key: String) -> Duration? {
        guard let d = duration(f, key) else { return nil }
        if d == .zero, let v = f[key] { report(f.path(key), "expected a duration of more than 0, got \(v.brief)") }
        return d
    }

    private mutating func timingSection(_ f: Fields) -> Timing {
        let defaults = Timing()
        return Timing(pingInterval: positiveDuration(f, "pingInterval") ?? defaults.pingInterval,
                      pingTimeout: positiveDuration(f, "pingTimeout") ?? defaults.pingTimeout,
                      tokenLifetime: positiveDuration(f, "tokenLifetime") ?? defaults.tokenLifetime,
                      pushRetention: duration(f, "pushRetention") ?? defaults.pushRetention)
    }

    private mutating func networkSection(_ f: Fields, _ nodes: NodeContext) -> NetworkSpec {
        let base = LinkConditions()
        let defaults = LinkConditions(latency: f["latency"].flatMap { latency($0, at: f.path("latency")) } ?? base.latency,
                                      drop: probability(f, "drop") ?? 0,
                                      duplicate: probability(f, "duplicate") ?? 0,
                                      reorder: probability(f, "reorder") ?? 0)
        var links: [(index: Int, link: LinkOverride)] = []
        for (i, item) in (list(f, "links") ?? []).enumerated() {
            let path = f.path("links") + "[\(i)]"
            guard let lf = fields(item, at: path, allowed: ExperimentFields.link) else { continue }
            let from = present(lf, "from", required: true).flatMap { node($0, at: lf.path("from"), in: nodes, allowClients: true) }
            let to = present(lf, "to", required: true).flatMap { node($0, at: lf.path("to"), in: nodes, allowClients: true) }
            let conditions = LinkConditions(
                latency: lf["latency"].flatMap { latency($0, at: lf.path("latency")) } ?? defaults.latency,
                drop: probability(lf, "drop") ?? defaults.drop,
                duplicate: probability(lf, "duplicate") ?? defaults.duplicate,
                reorder: probability(lf, "reorder") ?? defaults.reorder)
            if let from, let to { links.append((i, LinkOverride(from: from, to: to, conditions: conditions))) }
        }
        report(ExperimentRules.linkIssues(links))
        return NetworkSpec(defaults: defaults, links: links.map(\.link))
    }

    /// A latency object; nil when wrong (reported).
    mutating func latency(_ v: JSONValue, at path: String) -> LatencyDistribution? {
        guard case .object(let members) = v else {
            report(path, "expected a latency object like {\"distribution\": \"constant\", \"value\": \"2ms\"}, got \(v.brief)")
            return nil
        }
        let kindValue = members.first { $0.key == "distribution" }?.value
        guard let kindValue else {
            _ = fields(v, at: path, allowed: ["distribution", "value", "min", "max", "mean", "fast", "slow", "slowFraction"])
            report(experimentPath(path, "distribution"), "required field is missing (one of: \(ExperimentFields.distributions.joined(separator: ", ")))")
            return nil
        }
        guard case .string(let kind) = kindValue, let allowed = ExperimentFields.latency[kind] else {
            _ = fields(v, at: path, allowed: ["distribution", "value", "min", "max", "mean", "fast", "slow", "slowFraction"])
            report(experimentPath(path, "distribution"), "unknown distribution \(kindValue.brief) (expected one of: \(ExperimentFields.distributions.joined(separator: ", ")))")
            return nil
        }
        guard let f = fields(v, at: path, allowed: allowed) else { return nil }
        let result: LatencyDistribution?
        switch kind {
        case "constant":
            result = duration(f, "value", required: true).map { .constant($0) }
        case "uniform":
            let lo = duration(f, "min", required: true), hi = duration(f, "max", required: true)
            if let lo, let hi, lo > hi { report(f.path("max"), "expected max ≥ min (\(DurationText.format(lo))), got \(DurationText.format(hi))") }
            result = lo.flatMap { lo in hi.map { .uniform(min: lo, max: $0) } }
        case "exponential":
            let mean = duration(f, "mean", required: true), lo = duration(f, "min"), hi = duration(f, "max")
            if let lo, let hi, lo > hi { report(f.path("max"), "expected max ≥ min (\(DurationText.format(lo))), got \(DurationText.format(hi))") }
            let ok = (f["min"] == nil || lo != nil) && (f["max"] == nil || hi != nil)
            result = ok ? mean.map { .exponential(mean: $0, min: lo, max: hi) } : nil
        default:  // bimodal
            let fast = duration(f, "fast", required: true), slow = duration(f, "slow", required: true)
            let p = probability(f, "slowFraction", required: true)
            if let fast, let slow, fast > slow { report(f.path("slow"), "expected slow ≥ fast (\(DurationText.format(fast))), got \(DurationText.format(slow))") }
            if let fast, let slow, let p { result = .bimodal(fast: fast, slow: slow, slowFraction: p) } else { result = nil }
        }
        return result
    }

    private mutating func workloadSection(_ f: Fields, _ nodes: NodeContext, duration: Duration?) -> Workload {
        let rampUp = self.duration(f, "rampUp")
        if let rampUp, let duration, rampUp > duration {
            report(f.path("rampUp"), "ramp-up \(DurationText.format(rampUp)) is longer than duration (\(DurationText.format(duration)))")
        }
        let requestRate = rate(f, "requestRate"), pushRate = rate(f, "pushRate")
        var chat: ChatWorkload?
        if let cf = object(f, "chat", allowed: ExperimentFields.chat) {
            let defaults = ChatWorkload()
            let rooms = int(cf, "rooms", in: 1...Int.max), members = int(cf, "membersPerRoom", in: 1...Int.max)
            let messageRate = rate(cf, "messageRate")
            let c = ChatWorkload(rooms: rooms ?? defaults.rooms, membersPerRoom: members ?? defaults.membersPerRoom,
                                 messageRate: messageRate ?? defaults.messageRate)
            if (cf["rooms"] == nil || rooms != nil) && (cf["membersPerRoom"] == nil || members != nil) {
                report(ExperimentRules.chatIssues(c, clusterChat: nodes.chat, clients: nodes.clients))
            }
            chat = c
        }
        var attacks: Attacks?
        if let af = object(f, "attacks", allowed: ExperimentFields.attacks) {
            let attackers = int(af, "clients", in: 1...Int.max) ?? 1
            if let clients = nodes.clients, attackers > clients {
                report(af.path("clients"), "\(attackers) attackers but only \(clients) clients (attackers are the last clients)")
            }
            attacks = Attacks(clients: attackers, rate: rate(af, "rate") ?? Rate(perSecond: 1))
        }
        return Workload(clients: nodes.clients ?? 0, rampUp: rampUp ?? .zero, requestRate: requestRate ?? .zero,
                        pushRate: pushRate ?? .zero, chat: chat,
                        duplicateLogins: probability(f, "duplicateLogins") ?? 0, attacks: attacks,
                        services: serviceLoads(f))
    }

    /// `workload.services`: each a simulated service of the registry and a rate, each name once.
    private mutating func serviceLoads(_ f: Fields) -> [ServiceLoad] {
        guard let items = list(f, "services") else { return [] }
        var loads: [ServiceLoad] = []
        for (i, item) in items.enumerated() {
            guard let sf = fields(item, at: f.path("services") + "[\(i)]", allowed: ExperimentFields.serviceLoad) else { continue }
            let rate = rate(sf, "rate")
            guard let name = string(sf, "service", required: true) else { continue }
            let simulated = services.frontendServices.filter { services.canSimulate($0) }
            guard services.canSimulate(name) else {
                var message = "no simulated service named \"\(name)\" (expected one of: \(simulated.joined(separator: ", ")))"
                if let near = closestFieldName(to: name, in: simulated) { message += "; did you mean \"\(near)\"?" }
                report(sf.path("service"), message)
                continue
            }
            if loads.contains(where: { $0.service == name }) {
                report(sf.path("service"), "service \"\(name)\" is listed more than once")
                continue
            }
            loads.append(ServiceLoad(service: name, rate: rate ?? Rate(perSecond: 1)))
        }
        return loads
    }

    private mutating func checksSection(_ root: Fields) -> [CheckName] {
        guard let items = list(root, "checks") else { return CheckName.allCases }
        var checks: [CheckName] = []
        for (i, item) in items.enumerated() {
            let path = root.path("checks") + "[\(i)]"
            let known = CheckName.allCases.map(\.rawValue)
            guard case .string(let text) = item, let check = CheckName(rawValue: text) else {
                var message = "unknown check \(item.brief) (expected one of: \(known.joined(separator: ", ")))"
                if case .string(let text) = item, let near = closestFieldName(to: text, in: known) { message += "; did you mean \"\(near)\"?" }
                report(path, message)
                continue
            }
            if checks.contains(check) { report(path, "check \"\(text)\" is listed more than once"); continue }
            checks.append(check)
        }
        return checks
    }

    private mutating func expectSection(_ f: Fields) -> Expectations {
        Expectations(failoverWithin: duration(f, "failoverWithin"), detectionWithin: duration(f, "detectionWithin"),
                     pushLatencyP50Below: duration(f, "pushLatencyP50Below"),
                     pushLatencyP99Below: duration(f, "pushLatencyP99Below"))
    }
}
