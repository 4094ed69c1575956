/// One `simctl` subcommand.
protocol Command {
    /// The word after `simctl`.
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// The full `--help` text.
    static var help: String { get }
    /// The options it accepts.
    static var spec: ArgumentSpec { get }
    /// Runs it.
    /// - Returns: the process exit status.
    static func run(_ arguments: ParsedArguments) -> Int32
}

/// Which options a command takes: those with a value and plain flags.
struct ArgumentSpec {
    var valued: Set<String> = []
    var flags: Set<String> = []
    /// How many positional arguments (min...max).
    var positionals: ClosedRange<Int> = 0...0
    /// Names of the positionals, for messages.
    var positionalNames: [String] = []
}

/// A usage mistake, shown as `simctl CMD: MESSAGE`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Arguments parsed against an `ArgumentSpec`: `--name value`, `--name=value`, flags, `--` and
/// positionals.
struct ParsedArguments {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ args: [String], spec: ArgumentSpec) throws(UsageError) {
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            var name = a
            var inline: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            if spec.flags.contains(name) {
                if inline != nil { throw UsageError("option '\(name)' takes no value") }
                flags.insert(name)
            } else if spec.valued.contains(name) {
                if let inline { values[name] = inline; continue }
                guard i < args.count else { throw UsageError("option '\(name)' needs a value") }
                values[name] = args[i]
                i += 1
            } else {
                throw UsageError("unknown option '\(name)'")
            }
        }
        if positionals.count < spec.positionals.lowerBound {
            let missing = spec.positionalNames.dropFirst(positionals.count).first ?? "argument"
            throw UsageError("missing \(missing)")
        }
        if positionals.count > spec.positionals.upperBound {
            throw UsageError("unexpected argument '\(positionals[spec.positionals.upperBound])'")
        }
    }

    /// The value of `--name`, if given.
    func value(_ name: String) -> String? { values[name] }

    /// Whether `--name` was given.
    func has(_ name: String) -> Bool { flags.contains(name) }

    /// The value of `--name` as an integer in `range`, or `default`.
    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name] else { return value }
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(n) else {
            throw UsageError("option '\(name)' expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return n
    }
}
