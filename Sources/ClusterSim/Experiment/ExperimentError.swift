/// Everything wrong with an experiment file, found in one pass.
///
/// A user-facing error: every issue names the JSON path of the offending value and says what
/// was expected and what was found, so the file can be fixed without guessing. `simctl` prints
/// ``description`` and exits with status 2.
public struct ExperimentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem at one place in the file.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// Where: `faults[2].at`, `network.links[0].drop`, `cluster.frontends`; `""` for the
        /// whole file (syntax errors, which give a line and column in the message instead, and
        /// unreadable files).
        public var path: String
        /// What was expected and what was found.
        public var message: String

        /// Makes an issue.
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        /// `PATH: MESSAGE`, or just `MESSAGE` when the path is the whole file.
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    /// The issues in document order (at least one).
    public var issues: [Issue]

    /// Makes an error from its issues.
    public init(issues: [Issue]) { self.issues = issues }

    /// One line per issue, formatted `PATH: MESSAGE`.
    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// The issues whose path is exactly `path`.
    /// - Returns: those issues, in document order; empty when there are none.
    public func issues(at path: String) -> [Issue] { issues.filter { $0.path == path } }
}
