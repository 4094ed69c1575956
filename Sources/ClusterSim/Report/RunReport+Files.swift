import Foundation

/// Which full-trace files `simctl run --out DIR --trace T` writes next to `summary.json`,
/// `report.html` and `report.md` (which are always written and stay small).
public enum TraceArtifacts: String, Sendable, CaseIterable {
    /// No full trace (the default): the reports and the summary only.
    case none
    /// `trace.jsonl`: every event, one JSON object per line (`simctl diff` reads these).
    case jsonl
    /// `trace.perfetto.json`: the whole trace for https://ui.perfetto.dev.
    case perfetto
    /// Both.
    case all

    /// Whether `trace.jsonl` is written.
    public var writesJSONLines: Bool { self == .jsonl || self == .all }
    /// Whether `trace.perfetto.json` is written.
    public var writesPerfetto: Bool { self == .perfetto || self == .all }

    /// The choice named `text`.
    /// - Throws: ``TraceArtifactsError`` naming the choices when `text` is none of them.
    public init(parsing text: String) throws(TraceArtifactsError) {
        guard let choice = TraceArtifacts(rawValue: text) else { throw TraceArtifactsError(given: text) }
        self = choice
    }
}

/// A `--trace` value that is not one of the choices.
public struct TraceArtifactsError: Error, CustomStringConvertible, Sendable {
    /// What was given.
    public let given: String
    /// `option '--trace' expects none, jsonl, perfetto or all, got 'x'`.
    public var description: String { "option '--trace' expects none, jsonl, perfetto or all, got '\(given)'" }
}

extension RunReport {
    /// The files ``write(to:traces:)`` writes with `.all`, in order.
    public static let fileNames = ["report.html", "report.md", "trace.perfetto.json"]

    /// Writes `report.html` and `report.md` into `directory` (which must exist), and
    /// `trace.perfetto.json` when `traces` asks for it.
    /// - Throws: the file system's error when a file cannot be written.
    public func write(to directory: String, traces: TraceArtifacts = .all) throws {
        try html().write(toFile: directory + "/report.html", atomically: true, encoding: .utf8)
        try markdown().write(toFile: directory + "/report.md", atomically: true, encoding: .utf8)
        if traces.writesPerfetto {
            try perfettoJSON().write(toFile: directory + "/trace.perfetto.json", atomically: true, encoding: .utf8)
        }
    }
}
