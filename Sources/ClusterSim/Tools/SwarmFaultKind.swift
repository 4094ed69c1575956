import Foundation

/// A `--faults` list that names no known fault kind.
package struct SwarmFaultKindError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, naming the text given.
    package let description: String
}

/// The kinds of fault a swarm draws (`simctl swarm --faults crash,partition,pause,clock`).
package enum SwarmFaultKind: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    /// A crash with its restart (`restartAfter`, or a separate `restart` fault).
    case crash
    /// A symmetric or one-way partition that heals after `for`.
    case partition
    /// A pause that resumes after `for`.
    case pause
    /// A clock offset within the frontends' token leeway.
    case clock

    /// Kinds in declaration order.
    package static func < (a: SwarmFaultKind, b: SwarmFaultKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `crash,partition,pause,clock` (any subset, any order, spaces ignored; `none` for no
    /// faults at all, `all` for every kind).
    /// - Returns: the kinds, sorted, without repeats.
    /// - Throws: ``SwarmFaultKindError`` for an unknown or empty list.
    package static func parseList(_ text: String) throws(SwarmFaultKindError) -> [SwarmFaultKind] {
        let known = allCases.map(\.rawValue).joined(separator: ", ")
        var kinds: [SwarmFaultKind] = []
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else {
            throw SwarmFaultKindError(description: "expected a list of fault kinds like 'crash,partition' (known: \(known), or none, all), got '\(text)'")
        }
        for item in items {
            switch item {
            case "none": continue
            case "all": kinds += allCases
            default:
                guard let kind = SwarmFaultKind(rawValue: item) else {
                    throw SwarmFaultKindError(description: "unknown fault kind '\(item)' (known: \(known), or none, all)")
                }
                kinds.append(kind)
            }
        }
        return allCases.filter { kinds.contains($0) }
    }
}
