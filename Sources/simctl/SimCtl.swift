import Foundation
import ClusterSim

/// `simctl`: the command-line front of ClusterSim. Thin: it parses arguments and calls the
/// libraries.
@main
struct SimCtl {
    nonisolated(unsafe) static let commands: [any Command.Type] = [
        RunCommand.self, ValidateCommand.self, BenchCommand.self, SweepCommand.self, ShrinkCommand.self,
        DiffCommand.self, NodeCommand.self, ClusterCommand.self, ChatServerCommand.self, ChatClientCommand.self,
        ExplainCommand.self, SwarmCommand.self, MergeCommand.self,
    ]

    static func main() {
        ParentWatch.dieWithParentIfAsked()
        var args = Array(CommandLine.arguments.dropFirst())
        guard let first = args.first else {
            FileHandle.standardError.write(Data(mainHelp.utf8))
            exit(2)
        }
        if first == "--help" || first == "-h" || first == "help" {
            guard args.count > 1 else {
                print(mainHelp, terminator: "")
                exit(ExitStatus.success)
            }
            guard let cmd = commands.first(where: { $0.name == args[1] }) else {
                fail("help: unknown command '\(args[1])'\(suggestion(for: args[1]))", hint: "Try 'simctl --help' for the list of commands.")
            }
            print(cmd.help, terminator: "")
            exit(ExitStatus.success)
        }
        if first == "--version" { print("simctl 0.1.0"); exit(0) }
        HugePages.reexecuteIfUseful(command: first)
        args.removeFirst()
        guard var command = commands.first(where: { $0.name == first }) else {
            fail("unknown command '\(first)'\(suggestion(for: first))", hint: "Try 'simctl --help' for the list of commands.")
        }
        if command is BenchCommand.Type, args.first == "chat" { command = BenchChatCommand.self; args.removeFirst() }
        if args.contains("--help") || args.contains("-h") {
            print(command.help, terminator: "")
            exit(0)
        }
        do {
            let parsed = try ParsedArguments(args, spec: command.spec)
            exit(command.run(parsed))
        } catch {
            fail("\(command.name): \(error)", hint: "Try 'simctl \(command.name) --help'.")
        }
    }

    static var mainHelp: String {
        var s = """
        simctl — run and inspect ClusterSim experiments

        USAGE: simctl <command> [options]

        COMMANDS:

        """
        for c in commands {
            s += "  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.summary + "\n"
        }
        s += """

        OPTIONS:
          -h, --help    Show help (also 'simctl help <command>', 'simctl <command> --help').
          --version     Show the version.

        Exit status (every command): 0 success, 1 a check, benchmark target or comparison failed,
        2 bad arguments or a bad file (nothing was run), 3 the tool could not finish (a run broke,
        an output file could not be written).

        """
        return s
    }
}

extension SimCtl {
    /// `; did you mean 'run'?` when `word` is close to a command's name, else "".
    static func suggestion(for word: String) -> String {
        closestFieldName(to: word, in: commands.map { $0.name }).map { "; did you mean '\($0)'?" } ?? ""
    }
}

/// Prints `simctl: MESSAGE` and a hint to standard error, exits with `status` (2, bad arguments,
/// unless told otherwise).
func fail(_ message: String, hint: String? = nil, status: Int32 = ExitStatus.usage) -> Never {
    var text = "simctl: \(message)\n"
    if let hint { text += hint + "\n" }
    FileHandle.standardError.write(Data(text.utf8))
    exit(status)
}

/// Loads the experiment file at `path`, with `overrides` applied to its JSON first.
/// - Returns: the experiment; on a bad file, prints every problem with its JSON path to standard
///   error and exits with status 2 (the contract of every command that reads a file).
func loadExperiment(_ path: String, overrides: [ExperimentOverride] = []) -> Experiment {
    switch readExperiment(path, overrides: overrides) {
    case .success(let experiment): return experiment
    case .failure: exit(ExitStatus.usage)
    }
}

/// Reads the experiment file at `path` with `overrides`; on a bad file prints every problem with
/// its JSON path to standard error.
/// - Returns: the experiment, or the error already printed.
func readExperiment(_ path: String, overrides: [ExperimentOverride] = []) -> Result<Experiment, ExperimentError> {
    do {
        return .success(try Experiment.load(path: path, overrides: overrides))
    } catch {
        printError("\(path): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s"):")
        for issue in error.issues { printError("  \(issue)") }
        return .failure(error)
    }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
