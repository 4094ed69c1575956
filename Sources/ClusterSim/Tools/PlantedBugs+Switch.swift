import Foundation

/// A planted-bug name that does not exist.
package struct PlantedBugError: Error, CustomStringConvertible, Sendable {
    /// The name that was given.
    package let name: String
    /// `unknown planted bug 'x' in CLUSTERSIM_PLANT (known: …)`.
    package var description: String {
        "unknown planted bug '\(name)' in \(PlantedBugs.environmentVariable) (known: \(PlantedBugs.names.joined(separator: ", ")))"
    }
}

extension PlantedBugs {
    /// The environment variable that plants bugs in `simctl run`, `sweep`, `shrink` and `diff`, and
    /// in the child processes they start. **Test-only**: a comma-separated list of ``names``.
    package static let environmentVariable = "CLUSTERSIM_PLANT"

    /// The names accepted in ``environmentVariable``.
    package static let names = ["session-ignores-connection", "iterate-set"]

    /// The bugs named in `list` (comma-separated; spaces and empty items ignored).
    /// - Throws: ``PlantedBugError`` for a name not in ``names``.
    package init(parsing list: String) throws(PlantedBugError) {
        self.init()
        for item in list.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces)
            switch name {
            case "": continue
            case "session-ignores-connection": sessionIgnoresConnection = true
            case "iterate-set": iterateSet = true
            default: throw PlantedBugError(name: name)
            }
        }
    }

    /// The bugs planted by this process's ``environmentVariable`` (none when it is unset).
    /// - Throws: ``PlantedBugError`` for a name not in ``names``.
    package static func fromEnvironment() throws(PlantedBugError) -> PlantedBugs {
        try PlantedBugs(parsing: ProcessInfo.processInfo.environment[environmentVariable] ?? "")
    }

    /// Whether any bug is planted.
    package var isEmpty: Bool { !sessionIgnoresConnection && !iterateSet }

    /// The value of ``environmentVariable`` that plants exactly these bugs (`""` for none).
    package var switchValue: String {
        var on: [String] = []
        if sessionIgnoresConnection { on.append("session-ignores-connection") }
        if iterateSet { on.append("iterate-set") }
        return on.joined(separator: ",")
    }

    /// `CLUSTERSIM_PLANT=… ` to put before a command that must plant the same bugs, or `""`.
    package var commandPrefix: String { isEmpty ? "" : "\(Self.environmentVariable)=\(switchValue) " }
}
