#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes trace events to a file as JSON Lines as they are recorded (on the trace recorder's
/// folding queue), so that a run that writes its trace does not also hold it in memory.
final class TraceFileWriter {
    /// Where the events go.
    let path: String
    private var file: UnsafeMutablePointer<FILE>?

    /// Opens (creates or truncates) `path`.
    /// - Throws: ``TraceFileError`` when the file cannot be opened.
    init(path: String) throws(TraceFileError) {
        self.path = path
        guard let file = fopen(path, "w") else { throw TraceFileError(path: path, reason: String(cString: strerror(errno))) }
        self.file = file
    }

    /// Appends `events`, one JSON object a line.
    func write(_ events: [TraceEvent]) {
        guard let file else { return }
        var text = ""
        text.reserveCapacity(events.count * 120)
        for e in events {
            text += e.jsonLine
            text += "\n"
        }
        var utf8 = text
        utf8.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, file) }
    }

    /// Flushes and closes the file.
    /// - Throws: ``TraceFileError`` when what was written did not reach the file.
    func close() throws(TraceFileError) {
        guard let file else { return }
        self.file = nil
        let failed = ferror(file) != 0
        if fclose(file) != 0 || failed {
            throw TraceFileError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        if let file { fclose(file) }
    }
}

/// A trace file could not be written.
package struct TraceFileError: Error, CustomStringConvertible {
    /// The file.
    package let path: String
    /// What the system said.
    package let reason: String
    /// `cannot write the trace to 'PATH': REASON`.
    package var description: String { "cannot write the trace to '\(path)': \(reason)" }
}
