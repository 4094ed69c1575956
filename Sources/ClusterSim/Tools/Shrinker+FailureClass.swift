/// What kind of failure a failing check reported: the check and the kinds of failure its detail
/// names, such as `push-delivery[duplicate]` or `session-map-converges[unmapped]`.
///
/// The shrinker keeps a candidate only when its target check fails with the same class as the
/// original run: a push-delivery failure of duplicates must not turn into one of pushes still
/// pending when the run ends.
///
/// The kinds are read from the detail line (the checks' documented formats, `docs/checks.md`):
/// - counters after `failures:` (`failures: lost=1 duplicate=2` gives `duplicate, lost`), the
///   zero ones being left out by the checks;
/// - `N failures: …` without counters (the auth checks) gives `failures`;
/// - otherwise each `; `-separated part's label (the text before `:`) is named by its known phrase
///   (`unmapped`, `stale`, `missing`, `node-down`, `two-streams-at-end`, `long-overlap`,
///   `not-live`) or, failing that, by its words without numbers (`slowest-failover-ms`).
package struct FailureClass: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The check's name (as in ``CheckResult/name``).
    package var check: String
    /// The kinds of failure, sorted, without repeats; never empty.
    package var kinds: [String]

    /// Makes a class of `check` with `kinds` (sorted and made unique here).
    package init(check: String, kinds: [String]) {
        self.check = check
        var unique: [String] = []
        for k in kinds.sorted() where unique.last != k { unique.append(k) }
        self.kinds = unique.isEmpty ? ["failed"] : unique
    }

    /// The class of a failing result.
    /// - Returns: nil when `result` passed.
    package init?(_ result: CheckResult) {
        guard !result.passed else { return nil }
        self.init(check: result.name, kinds: Self.kinds(in: result.detail))
    }

    /// `check[kind,kind]`.
    package var description: String { check + "[" + kinds.joined(separator: ",") + "]" }

    /// By check, then kinds.
    package static func < (a: FailureClass, b: FailureClass) -> Bool {
        (a.check, a.kinds.joined(separator: ",")) < (b.check, b.kinds.joined(separator: ","))
    }

    /// The classes of every failing check of `checks`, sorted.
    package static func of(_ checks: [CheckResult]) -> [FailureClass] {
        checks.compactMap(FailureClass.init).sorted()
    }

    /// Known phrases of the checks' failure labels and their kind, tried in order.
    static let phrases: [(String, String)] = [
        ("unmapped", "unmapped"), ("stale", "stale"), ("missing", "missing"), ("is down", "node-down"),
        ("two streams at the end", "two-streams-at-end"), ("overlaps longer than", "long-overlap"), ("not live", "not-live"),
    ]

    /// The failure kinds named in a failing check's detail (see the type's documentation).
    static func kinds(in detail: String) -> [String] {
        if let marker = detail.range(of: "failures: ") {
            var counters: [String] = []
            for token in detail[marker.upperBound...].split(separator: " ") {
                let parts = token.split(separator: "=")
                let count = parts.count == 2 ? parts[1].trimmingSuffix(":") : ""
                guard parts.count == 2, !count.isEmpty, count.allSatisfy(\.isNumber) else { break }
                if count != "0" { counters.append(String(parts[0])) }
                if token.hasSuffix(":") { break }
            }
            return counters.isEmpty ? ["failures"] : counters
        }
        var kinds: [String] = []
        for part in detail.components(separatedBy: "; ") {
            let label = part.split(separator: ":", maxSplits: 1).first.map(String.init) ?? part
            if label.hasPrefix("exceptions") { continue }
            if let known = phrases.first(where: { label.contains($0.0) }) {
                kinds.append(known.1)
                continue
            }
            var depth = 0, kept = ""
            for c in label {
                if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) } else if depth == 0 { kept.append(c.isLetter ? c : " ") }
            }
            let words = kept.lowercased().split(separator: " ")
            if !words.isEmpty { kinds.append(words.joined(separator: "-")) }
        }
        return kinds
    }
}

private extension Substring {
    /// Without a trailing `suffix`.
    func trimmingSuffix(_ suffix: String) -> Substring { hasSuffix(suffix) ? dropLast(suffix.count) : self }
}
