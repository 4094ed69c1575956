import ClusterSim

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
    /// Valued options that may be given more than once (each value is kept, in order).
    var repeatable: Set<String> = []
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
    private(set) var values: [String: [String]] = [:]
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
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard i < args.count else { throw UsageError("option '\(name)' needs a value") }
                    value = args[i]
                    i += 1
                }
                // A repeated option keeps every value; `value(_:)` reads the last, as before.
                values[name, default: []].append(value)
            } else {
                var message = "unknown option '\(name)'"
                if let near = closestFieldName(to: name, in: (spec.valued.union(spec.flags).union(["--help"])).sorted()) {
                    message += "; did you mean '\(near)'?"
                }
                throw UsageError(message)
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
    func value(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable `--name`, in the order given.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether `--name` was given.
    func has(_ name: String) -> Bool { flags.contains(name) }

    /// The value of `--name` as an integer in `range`, or `default`.
    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name]?.last else { return value }
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(n) else {
            throw UsageError("option '\(name)' expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return n
    }
}

extension ParsedArguments {
    /// The seed given as `--name`, any integer from 0 to 2^64−1 (`_` allowed between digits).
    /// - Returns: the seed, or nil when the option was not given.
    /// - Throws: a ``UsageError`` when it is not such an integer.
    func seed(_ name: String = "--seed") throws(UsageError) -> UInt64? {
        guard let text = value(name) else { return nil }
        guard let s = parseSeed(text) else {
            throw UsageError("option '\(name)' expects a seed from 0 to \(UInt64.max), got '\(text)'")
        }
        return s
    }
}

/// A seed from 0 to 2^64−1 written in decimal (`_` allowed between digits), or nil.
func parseSeed(_ text: String) -> UInt64? {
    UInt64(text.replacingOccurrences(of: "_", with: ""))
}
