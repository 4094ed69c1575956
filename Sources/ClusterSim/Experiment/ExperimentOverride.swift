import NetModel
/// One change to an experiment file made on the command line: `PATH=VALUE`, e.g.
/// `workload.pushRate=2/s`, `cluster.chat=true`, `faults[0].at=5s` (`simctl run --set …`, and the
/// shorthands `--duration`, `--clients`, `--frontends`).
///
/// An override is applied to the file's JSON before it is read, so a bad value is reported like a
/// mistake in the file, with its JSON path (`workload.pushRate: expected a rate like "2/s" …`).
/// VALUE is read as JSON when it is JSON (`true`, `3`, `"text"`, `[…]`, `{…}`) and as a string
/// otherwise (`5s`, `2/s`, `frontend-2`).
public struct ExperimentOverride: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path: a field of an object or an index into a list.
    enum Step: Sendable, Equatable {
        case field(String)
        case index(Int)
    }

    /// The JSON path as written, e.g. `faults[0].at`.
    public let path: String
    /// The value as written after `=`.
    public let valueText: String
    let steps: [Step]
    let value: JSONValue

    /// Parses `PATH=VALUE`.
    /// - Throws: an ``ExperimentError`` naming the path (or the whole text) when PATH is not a
    ///   path like `workload.pushRate` or `faults[0].at`, or there is no `=`.
    public init(parsing text: String) throws(ExperimentError) {
        guard let eq = text.firstIndex(of: "=") else {
            throw ExperimentError(issues: [.init(path: "", message:
                "--set expects PATH=VALUE (e.g. workload.pushRate=2/s or faults[0].at=5s), got \(jsonQuoted(text))")])
        }
        try self.init(path: String(text[..<eq]), value: String(text[text.index(after: eq)...]))
    }

    /// Makes the override `path=value`.
    /// - Throws: an ``ExperimentError`` when `path` is not a path like `workload.pushRate` or
    ///   `faults[0].at`.
    public init(path: String, value: String) throws(ExperimentError) {
        guard let steps = Self.steps(path) else {
            throw ExperimentError(issues: [.init(path: "", message:
                "--set: expected a JSON path like workload.pushRate or faults[0].at before '=', got \(jsonQuoted(path))")])
        }
        self.path = path
        self.steps = steps
        self.valueText = value
        if let parsed = try? JSONParser.parse(Array(value.utf8)).value { self.value = parsed } else { self.value = .string(value) }
    }

    /// `PATH=VALUE`, as given.
    public var description: String { "\(path)=\(valueText)" }

    /// The steps of `path`, or nil when it is not a path.
    static func steps(_ path: String) -> [Step]? {
        var steps: [Step] = []
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let n = Int(rest[rest.index(after: rest.startIndex)..<close]), n >= 0 else { return nil }
                steps.append(.index(n))
                rest = rest[rest.index(after: close)...]
            } else {
                if !steps.isEmpty {
                    guard rest.first == "." else { return nil }
                    rest = rest.dropFirst()
                }
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
                steps.append(.field(String(name)))
                rest = rest[name.endIndex...]
            }
        }
        return steps.isEmpty ? nil : steps
    }

    /// `root` with this override's value put at its path: a missing field is added (with the
    /// objects around it), a list item is replaced, and the index one past a list's end appends.
    /// - Throws: an ``ExperimentError`` at the path where the document does not fit the path.
    func applied(to root: JSONValue) throws(ExperimentError) -> JSONValue {
        try put(value, at: steps[...], in: root, done: "")
    }

    private func put(_ value: JSONValue, at steps: ArraySlice<Step>, in node: JSONValue?, done: String) throws(ExperimentError) -> JSONValue {
        guard let step = steps.first else { return value }
        switch step {
        case .field(let key):
            let here = experimentPath(done, key)
            var members: [JSONValue.Member]
            switch node {
            case nil: members = []
            case .object(let m)?: members = m
            case let other?: throw issue(done, "--set \(path): expected an object at \(done.isEmpty ? "the top" : done), found \(other.brief)")
            }
            if let k = members.firstIndex(where: { $0.key == key }) {
                members[k].value = try put(value, at: steps.dropFirst(), in: members[k].value, done: here)
            } else {
                members.append(.init(key: key, value: try put(value, at: steps.dropFirst(), in: nil, done: here)))
            }
            return .object(members)
        case .index(let n):
            let here = done + "[\(n)]"
            var items: [JSONValue]
            switch node {
            case nil: items = []
            case .array(let a)?: items = a
            case let other?: throw issue(done, "--set \(path): expected a list at \(done), found \(other.brief)")
            }
            if n < items.count {
                items[n] = try put(value, at: steps.dropFirst(), in: items[n], done: here)
            } else if n == items.count {
                items.append(try put(value, at: steps.dropFirst(), in: nil, done: here))
            } else {
                throw issue(here, "--set \(path): \(done) has \(items.count) item\(items.count == 1 ? "" : "s"), so an index "
                            + "from 0 to \(items.count) (which adds one) was expected, got \(n)")
            }
            return .array(items)
        }
    }

    private func issue(_ at: String, _ message: String) -> ExperimentError {
        ExperimentError(issues: [.init(path: at, message: message)])
    }
}

extension ExperimentOverride {
    /// The shorthand options and the paths they set.
    public static let shorthands: [(option: String, path: String)] = [
        ("--duration", "duration"), ("--clients", "workload.clients"), ("--frontends", "cluster.frontends"),
    ]
}

extension Experiment {
    /// This experiment with `overrides` applied, as if its file had been edited: encoded, changed
    /// and read back, so that every value is checked as in a file.
    /// - Returns: the changed experiment (`self` when there are no overrides).
    /// - Throws: an ``ExperimentError`` naming the path of every problem.
    public func applying(_ overrides: [ExperimentOverride]) throws(ExperimentError) -> Experiment {
        overrides.isEmpty ? self : try Experiment.parse(Array(jsonText().utf8), overrides: overrides)
    }
}
