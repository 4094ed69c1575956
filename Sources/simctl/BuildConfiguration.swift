import ClusterSim
import Foundation

/// The build configuration of a `simctl` executable, told by its directory under `.build`.
struct BuildConfiguration {
    /// `debug` or `release` (or `unknown`).
    var name: String

    /// The configuration of the executable at `path`.
    static func of(_ path: String) -> BuildConfiguration {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
        return BuildConfiguration(name: ["debug", "release"].contains(dir) ? dir : "unknown")
    }

    /// The same executable in the other configuration: `…/release/simctl` for `…/debug/simctl`
    /// and the other way round.
    /// - Returns: its configuration name and path, or nil when `path` is in neither directory.
    static func otherExecutable(of path: String) -> (name: String, path: String)? {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let other: String
        switch dir.lastPathComponent {
        case "debug": other = "release"
        case "release": other = "debug"
        default: return nil
        }
        let candidate = dir.deletingLastPathComponent().appendingPathComponent(other).appendingPathComponent(url.lastPathComponent)
        return (other, candidate.path)
    }

    /// The package directory above a `.build` directory holding `path`.
    static func packageRoot(of path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if url.lastPathComponent == ".build" {
                let root = url.deletingLastPathComponent()
                if FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { return root.path }
            }
        }
        return nil
    }

    /// Builds the executable `other` with `swift build -c CONFIG --product simctl` in its package.
    /// - Returns: nil when it now exists, else what went wrong.
    static func build(_ other: (name: String, path: String)) -> String? {
        guard let root = packageRoot(of: other.path) else { return "\(other.path) is missing and no package was found above it to build it" }
        printError("building the \(other.name) simctl: swift build -c \(other.name) --product simctl (in \(root))…")
        let swift = ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let swift else { return "\(other.path) is missing and no 'swift' was found to build it" }
        do {
            let out = try ChildProcess.run(swift, ["build", "--package-path", root, "-c", other.name, "--product", "simctl"])
            guard out.status == 0, FileManager.default.isExecutableFile(atPath: other.path) else {
                return "building it failed (status \(out.status)): " + (out.stderr + out.stdout).split(separator: "\n").suffix(5).joined(separator: " | ")
            }
            return nil
        } catch {
            return "\(error)"
        }
    }
}
