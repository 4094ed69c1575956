import ClusterSim

/// `simctl validate FILE`: parse an experiment and report what is wrong.
enum ValidateCommand: Command {
    static let name = "validate"
    static let summary = "Check an experiment file and report every mistake with its JSON path"
    static let help = """
    USAGE: simctl validate FILE

    Parses the experiment FILE (see docs/experiment-reference.md) and reports every problem as
    'PATH: what was expected, what was found'. Nothing is run.

    OPTIONS:
      -h, --help   Show this help.

    Exit status: 0 when the file is valid, 2 when it is not (or cannot be read).

    """
    static let spec = ArgumentSpec(positionals: 1...1, positionalNames: ["FILE"])

    static func run(_ args: ParsedArguments) -> Int32 {
        let path = args.positionals[0]
        let experiment = loadExperiment(path)
        print("\(path): valid experiment '\(experiment.name)' — \(experiment.nodeNames.count) nodes, "
              + "\(experiment.workload.clients) clients, \(experiment.faults.count) faults, "
              + "duration \(DurationText.format(experiment.duration))")
        return 0
    }
}
