import Nodes
import NetModel

/// The members of one JSON object, with the object's path (first occurrence of each key).
struct Fields {
    /// The object's path, `""` for the root.
    let path: String
    private(set) var values: [String: JSONValue]

    init(path: String, values: [String: JSONValue]) {
        self.path = path
        self.values = values
    }

    subscript(key: String) -> JSONValue? { values[key] }

    /// The path of member `key`.
    func path(_ key: String) -> String { experimentPath(path, key) }
}

/// `parent.key`, or `key` at the root.
func experimentPath(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : parent + "." + key }

/// Turns JSON values into typed values, collecting an issue for each one that does not fit.
///
/// Every reader returns nil when the value is missing or wrong; a wrong value has been reported,
/// a missing one only when it was required. Issues are sorted into document order at the end by
/// the byte offset of the value they are about.
struct ExperimentReader {
    private let offsets: [String: Int]
    private var found: [(offset: Int, sequence: Int, issue: ExperimentError.Issue)] = []
    /// The services `workload.services` may name.
    let services: ServiceRegistry

    init(offsets: [String: Int], services: ServiceRegistry = .standard) {
        self.offsets = offsets
        self.services = services
    }

    /// The issues so far, in document order.
    var issues: [ExperimentError.Issue] {
        found.sorted { ($0.offset, $0.sequence) < ($1.offset, $1.sequence) }.map(\.issue)
    }

    /// Records an issue about `path`.
    mutating func report(_ path: String, _ message: String) {
        found.append((offset(of: path), found.count, .init(path: path, message: message)))
    }

    mutating func report(_ issues: [ExperimentError.Issue]) {
        for issue in issues { report(issue.path, issue.message) }
    }

    /// Where the value at `path` starts, or its nearest existing ancestor (for missing fields).
    private func offset(of path: String) -> Int {
        var p = Substring(path)
        while true {
            if let o = offsets[String(p)] { return o }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return offsets[""] ?? 0 }
            p = p[..<cut]
        }
    }

    // MARK: - Objects and lists

    /// The members of the object at `path`, reporting unknown and repeated fields.
    /// - Returns: nil (reported) when `value` is not an object.
    mutating func fields(_ value: JSONValue, at path: String, allowed: [String]) -> Fields? {
        guard case .object(let members) = value else {
            report(path, "expected an object, got \(value.brief)")
            return nil
        }
        var values: [String: JSONValue] = [:]
        for m in members {
            let p = experimentPath(path, m.key)
            if values[m.key] != nil {
                report(p, "field appears more than once")
            } else if !allowed.contains(m.key) {
                var message = "unknown field (expected one of: \(allowed.joined(separator: ", ")))"
                if let near = closestFieldName(to: m.key, in: allowed) { message += "; did you mean \"\(near)\"?" }
                report(p, message)
            } else {
                values[m.key] = m.value
            }
        }
        return Fields(path: path, values: values)
    }

    /// The members of the object in field `key` of `f`; nil when missing (reported if required)
    /// or not an object.
    mutating func object(_ f: Fields, _ key: String, allowed: [String], required: Bool = false) -> Fields? {
        guard let v = present(f, key, required: required) else { return nil }
        return fields(v, at: f.path(key), allowed: allowed)
    }

    /// The items of the list in field `key` of `f`; nil when missing or not a list.
    mutating func list(_ f: Fields, _ key: String) -> [JSONValue]? {
        guard let v = f[key] else { return nil }
        guard case .array(let items) = v else {
            report(f.path(key), "expected a list, got \(v.brief)")
            return nil
        }
        return items
    }

    /// Field `key` of `f`, reporting it when it is required and missing.
    mutating func present(_ f: Fields, _ key: String, required: Bool) -> JSONValue? {
        if let v = f[key] { return v }
        if required { report(f.path(key), "required field is missing") }
        return nil
    }

    // MARK: - Scalars

    mutating func string(_ f: Fields, _ key: String, required: Bool = false) -> String? {
        guard let v = present(f, key, required: required) else { return nil }
        guard case .string(let s) = v else {
            report(f.path(key), "expected a string, got \(v.brief)")
            return nil
        }
        return s
    }

    mutating func bool(_ f: Fields, _ key: String) -> Bool? {
        guard let v = f[key] else { return nil }
        guard case .bool(let b) = v else {
            report(f.path(key), "expected true or false, got \(v.brief)")
            return nil
        }
        return b
    }

    /// An integer within `range`, written without fraction or exponent.
    mutating func int(_ f: Fields, _ key: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        guard let v = present(f, key, required: required) else { return nil }
        let expected = range.upperBound == .max ? "an integer of at least \(range.lowerBound)"
                                                : "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let text) = v, let n = Int(text), range.contains(n) else {
            report(f.path(key), "expected \(expected), got \(v.brief)")
            return nil
        }
        return n
    }

    mutating func uint64(_ f: Fields, _ key: String) -> UInt64? {
        guard let v = f[key] else { return nil }
        guard case .number(let text) = v, let n = UInt64(text) else {
            report(f.path(key), "expected a non-negative integer, got \(v.brief)")
            return nil
        }
        return n
    }

    mutating func probability(_ v: JSONValue, at path: String) -> Double? {
        guard case .number(let text) = v, let p = Double(text), p >= 0, p <= 1 else {
            report(path, "expected a probability between 0 and 1, got \(v.brief)")
            return nil
        }
        return p
    }

    mutating func probability(_ f: Fields, _ key: String, required: Bool = false) -> Double? {
        guard let v = present(f, key, required: required) else { return nil }
        return probability(v, at: f.path(key))
    }

    /// A duration string (see `DurationText`); `allowNegative` for clock offsets.
    mutating func duration(_ v: JSONValue, at path: String, allowNegative: Bool = false) -> Duration? {
        let like = "a duration like \"250ms\", \"5s\" or \"2m\""
        guard case .string(let text) = v else {
            report(path, "expected \(like), got \(v.brief)")
            return nil
        }
        switch DurationText.read(text, allowNegative: allowNegative) {
        case .duration(let d): return d
        case .malformed: report(path, "expected \(like), got \(v.brief)")
        case .negative: report(path, "expected a non-negative duration, got \(v.brief)")
        case .tooPrecise: report(path, "expected \(like) with at most nanosecond precision, got \(v.brief)")
        case .tooLarge: report(path, "expected \(like) of at most 292 years, got \(v.brief)")
        }
        return nil
    }

    mutating func duration(_ f: Fields, _ key: String, required: Bool = false, allowNegative: Bool = false) -> Duration? {
        guard let v = present(f, key, required: required) else { return nil }
        return duration(v, at: f.path(key), allowNegative: allowNegative)
    }

    mutating func rate(_ f: Fields, _ key: String) -> Rate? {
        guard let v = f[key] else { return nil }
        guard case .string(let text) = v, let rate = Rate(parsing: text) else {
            report(f.path(key), "expected a rate like \"2/s\", \"30/m\" or \"0.5/s\", got \(v.brief)")
            return nil
        }
        return rate
    }

    /// A node name that exists in `nodes`' cluster (clients only when `clients` allows them).
    mutating func node(_ v: JSONValue, at path: String, in nodes: NodeContext, allowClients: Bool) -> NodeName? {
        guard case .string(let text) = v, let name = NodeName(parsing: text) else {
            report(path, "expected a node name like \"frontend-1\" (management-1, session-1, frontend-N, chat-1, gateway-1"
                   + (allowClients ? ", client-N" : "") + "), got \(v.brief)")
            return nil
        }
        if let problem = nodes.problem(with: name, allowClients: allowClients) {
            report(path, problem)
            return nil
        }
        return name
    }
}

/// The closest of `candidates` to `word` by edit distance, when close enough to be a likely typo.
package func closestFieldName(to word: String, in candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = fieldNameDistance(w, Array(c.lowercased()))
        if d <= max(1, c.count / 3), best.map({ d < $0.1 }) ?? true { best = (c, d) }
    }
    return best?.0
}

/// Levenshtein distance.
package func fieldNameDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
