import Foundation

/// Which full-trace files `simctl run --out DIR --trace T` writes next to `summary.json`,
/// `report.html` and `report.md` (which are always written and stay small).
package enum TraceArtifacts: String, Sendable, CaseIterable {
    /// No full trace (the default): the reports and the summary only.
    case none
    /// `trace.jsonl`: every event, one JSON object per line (`simctl diff` reads these).
    case jsonl
    /// `trace.perfetto.json`: the whole trace for https://ui.perfetto.dev.
    case perfetto
    /// Both.
    case all

    /// Whether `trace.jsonl` is written.
    package var writesJSONLines: Bool { self == .jsonl || self == .all }
    /// Whether `trace.perfetto.json` is written.
    package var writesPerfetto: Bool { self == .perfetto || self == .all }

    /// The choice named `text`.
    /// - Throws: ``TraceArtifactsError`` naming the choices when `text` is none of them.
    package init(parsing text: String) throws(TraceArtifactsError) {
        guard let choice = TraceArtifacts(rawValue: text) else { throw TraceArtifactsError(given: text) }
        self = choice
    }
}

/// A `--trace` value that is not one of the choices.
package struct TraceArtifactsError: Error, CustomStringConvertible, Sendable {
    /// What was given.
    package let given: String
    /// `option '--trace' expects none, jsonl, perfetto or all, got 'x'`.
    package var description: String { "option '--trace' expects none, jsonl, perfetto or all, got '\(given)'" }
}

extension RunReport {
    /// The files ``write(to:traces:)`` writes with `.all`, in order.
    package static let fileNames = ["report.html", "report.md", "trace.perfetto.json"]

    /// Writes `report.html` and `report.md` into `directory` (which must exist), and
    /// `trace.perfetto.json` when `traces` asks for it. The files are independent views of the
    /// same values, so they are made and written at once, one task each.
    /// - Throws: the file system's error when a file cannot be written (the first, in file order).
    package func write(to directory: String, traces: TraceArtifacts = .all) throws {
        let files = Self.fileNames.filter { $0 != "trace.perfetto.json" || traces.writesPerfetto }
        let report = self
        let failures = Parallel.map(files.indices) { k -> String? in
            let text = switch files[k] {
            case "report.html": report.html()
            case "report.md": report.markdown()
            default: report.perfettoJSON()
            }
            do {
                try text.write(toFile: directory + "/" + files[k], atomically: true, encoding: .utf8)
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let first = failures.compactMap({ $0 }).first { throw ReportWriteError(description: first) }
    }
}

/// A report file that could not be written.
package struct ReportWriteError: LocalizedError, CustomStringConvertible, Sendable {
    /// The file system's error, in words.
    package let description: String
    /// The same, for `localizedDescription`.
    package var errorDescription: String? { description }
}
