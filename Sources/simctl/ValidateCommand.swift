import ClusterSim

/// `simctl validate FILE...`: parse experiments and report what is wrong.
enum ValidateCommand: Command {
    static let name = "validate"
    static let summary = "Check experiment files and report every mistake with its JSON path"
    static var help: String { """
    USAGE: simctl validate FILE... [--json] [overrides]

    Parses each experiment FILE (see docs/experiment-reference.md) and reports every problem as
    'PATH: what was expected, what was found'. Nothing is run. One summary line per file.

    OPTIONS:
      --json            Print one JSON object per file, one per line: file, valid, and either
                        name, nodes, clients, faults, duration_ms or issues (a list of {path, message}).
    \(OverrideOptions.help(column: 20))
      -h, --help        Show this help.

    Exit status: 0 every file is valid, 2 a file is not (or cannot be read), or bad arguments.

    """ }
    static let spec = ArgumentSpec(flags: ["--json"], positionals: 1...Int.max, positionalNames: ["FILE"]).withOverrides()

    static func run(_ args: ParsedArguments) -> Int32 {
        let overrides = args.overridesOrExit(name)
        var allValid = true
        for path in args.positionals {
            let outcome: Result<Experiment, ExperimentError>
            if args.has("--json") {
                do { outcome = .success(try Experiment.load(path: path, overrides: overrides)) } catch { outcome = .failure(error) }
            } else {
                outcome = readExperiment(path, overrides: overrides)
            }
            switch outcome {
            case .success(let experiment):
                if args.has("--json") {
                    print(JSONOut.object([("file", .string(path)), ("valid", .bool(true)), ("name", .string(experiment.name)),
                                          ("nodes", .int(experiment.nodeNames.count)), ("clients", .int(experiment.workload.clients)),
                                          ("faults", .int(experiment.faults.count)),
                                          ("duration_ms", .number(Double(experiment.duration.nanosecondsClamped) / 1e6))]).text)
                } else {
                    print("\(path): valid experiment '\(experiment.name)' — \(experiment.nodeNames.count) nodes, "
                          + "\(experiment.workload.clients) clients, \(experiment.faults.count) faults, "
                          + "duration \(DurationText.format(experiment.duration))")
                }
            case .failure(let error):
                allValid = false
                if args.has("--json") {
                    let issues = error.issues.map { JSONOut.object([("path", .string($0.path)), ("message", .string($0.message))]) }
                    print(JSONOut.object([("file", .string(path)), ("valid", .bool(false)), ("issues", .array(issues))]).text)
                } else {
                    print("\(path): invalid: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") (listed on standard error)")
                }
            }
        }
        return allValid ? ExitStatus.success : ExitStatus.usage
    }
}
