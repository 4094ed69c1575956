import ClusterSim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The exit status of every `simctl` command, one per kind of outcome.
enum ExitStatus {
    /// Everything passed (or the command did what it was asked).
    static let success: Int32 = 0
    /// A check, a benchmark target or a comparison failed.
    static let failed: Int32 = 1
    /// Bad arguments or a bad file: nothing was run.
    static let usage: Int32 = 2
    /// The tool itself could not finish: a child run broke, an output file could not be written,
    /// the TCP network could not start.
    static let broken: Int32 = 3
}

/// The options that change an experiment on the command line: `--duration`, `--clients`,
/// `--frontends` and `--set PATH=VALUE` (repeatable), shared by run, validate, sweep and swarm.
enum OverrideOptions {
    /// The options' help lines, their descriptions starting at `column` (as in the command's own
    /// OPTIONS list), without a final newline.
    static func help(column: Int = 20) -> String {
        let options: [(String, [String])] = [
            ("--duration D", ["Override the file's \"duration\" (e.g. 30s)."]),
            ("--clients N", ["Override \"workload.clients\"."]),
            ("--frontends N", ["Override \"cluster.frontends\"."]),
            ("--set PATH=VALUE", ["Override any field by its JSON path, e.g. workload.pushRate=2/s,",
                                  "cluster.chat=true, faults[0].at=5s (repeatable; VALUE is JSON when it",
                                  "reads as JSON, a string otherwise). Applied before validation, so a bad",
                                  "value is reported with its path, as in the file."]),
        ]
        let indent = String(repeating: " ", count: column)
        return options.map { name, lines in
            let head = "  " + name
            let first = head.count < column ? head.padding(toLength: column, withPad: " ", startingAt: 0) : head + "  "
            return ([first + lines[0]] + lines.dropFirst().map { indent + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static let valued: Set<String> = ["--duration", "--clients", "--frontends", "--set"]
}

extension ArgumentSpec {
    /// This spec plus the override options (`--set` repeatable).
    func withOverrides() -> ArgumentSpec {
        var spec = self
        spec.valued.formUnion(OverrideOptions.valued)
        spec.repeatable.insert("--set")
        return spec
    }
}

extension ParsedArguments {
    /// The overrides given, shorthands first, then every `--set` in order.
    /// - Throws: an ``ExperimentError`` naming the path when one is malformed.
    func overrides() throws(ExperimentError) -> [ExperimentOverride] {
        var out: [ExperimentOverride] = []
        for (option, path) in ExperimentOverride.shorthands {
            if let v = value(option) { out.append(try ExperimentOverride(path: path, value: v)) }
        }
        for text in all("--set") { out.append(try ExperimentOverride(parsing: text)) }
        return out
    }

    /// The overrides, or exit 2 printing what is wrong (for commands that cannot go on without them).
    func overridesOrExit(_ command: String) -> [ExperimentOverride] {
        do {
            return try overrides()
        } catch {
            for issue in error.issues { printError("simctl: \(command): \(issue)") }
            exit(ExitStatus.usage)
        }
    }

    /// The overrides as arguments for a child `simctl` (each as `--set PATH=VALUE`).
    func overrideArguments(_ overrides: [ExperimentOverride]) -> [String] {
        overrides.flatMap { ["--set", $0.description] }
    }
}

/// Output paths checked before anything runs, so that a mistake costs nothing.
enum OutputPath {
    /// Makes sure `dir` is (or can be made) a writable directory, creating it now.
    /// - Returns: nil when it is, else what is wrong, in plain words.
    static func directoryProblem(_ dir: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return "'\(dir)' exists and is a file; give a directory (new or existing)" }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                return "cannot create the directory '\(dir)': \(reason(for: dir))"
            }
        }
        if access(dir, W_OK) != 0 { return "cannot write into '\(dir)': permission denied" }
        return nil
    }

    /// Makes sure a new file can be written at `file`: not a directory, in a writable directory.
    /// - Returns: nil when it can, else what is wrong, in plain words.
    static func fileProblem(_ file: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
            return "'\(file)' is a directory; give a file name"
        }
        let parent = (file as NSString).deletingLastPathComponent
        let dir = parent.isEmpty ? "." : parent
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "cannot write '\(file)': there is no directory '\(dir)'"
        }
        if access(dir, W_OK) != 0 { return "cannot write '\(file)': permission denied in '\(dir)'" }
        return nil
    }

    /// Why `path` (or the first of its ancestors that exists) cannot hold a new directory.
    private static func reason(for path: String) -> String {
        var p = path
        while !p.isEmpty, p != "/" {
            p = (p as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            let probe = p.isEmpty ? "." : p
            if FileManager.default.fileExists(atPath: probe, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "'\(probe)' is a file" }
                return access(probe, W_OK) == 0 ? "it could not be made" : "permission denied in '\(probe)'"
            }
        }
        return "it could not be made"
    }
}
