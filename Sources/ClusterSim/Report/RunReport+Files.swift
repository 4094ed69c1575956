import Foundation

extension RunReport {
    /// The files ``write(to:)`` writes, in order.
    public static let fileNames = ["report.html", "report.md", "trace.perfetto.json"]

    /// Writes `report.html`, `report.md` and `trace.perfetto.json` into `directory` (which must exist).
    /// - Throws: the file system's error when a file cannot be written.
    public func write(to directory: String) throws {
        try html().write(toFile: directory + "/report.html", atomically: true, encoding: .utf8)
        try markdown().write(toFile: directory + "/report.md", atomically: true, encoding: .utf8)
        try perfettoJSON().write(toFile: directory + "/trace.perfetto.json", atomically: true, encoding: .utf8)
    }
}
