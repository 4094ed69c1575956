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
        var args = Array(CommandLine.arguments.dropFirst())
        guard let first = args.first else {
            FileHandle.standardError.write(Data(mainHelp.utf8))
            exit(2)
        }
        if first == "--help" || first == "-h" || first == "help" {
            if args.count > 1, let cmd = commands.first(where: { $0.name == args[1] }) {
                print(cmd.help, terminator: "")
            } else {
                print(mainHelp, terminator: "")
            }
            exit(0)
        }
        if first == "--version" { print("simctl 0.1.0"); exit(0) }
        HugePages.reexecuteIfUseful(command: first)
        args.removeFirst()
        guard var command = commands.first(where: { $0.name == first }) else {
            fail("unknown command '\(first)'", hint: "Try 'simctl --help' for the list of commands.")
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

        Exit status: 0 success, 1 a check or benchmark target failed, 2 bad arguments or a bad file.

        """
        return s
    }
}

/// Prints `simctl: MESSAGE` and a hint to standard error, exits 2.
func fail(_ message: String, hint: String? = nil) -> Never {
    var text = "simctl: \(message)\n"
    if let hint { text += hint + "\n" }
    FileHandle.standardError.write(Data(text.utf8))
    exit(2)
}

/// Loads the experiment file at `path`.
/// - Returns: the experiment; on a bad file, prints every problem with its JSON path to standard
///   error and exits with status 2 (the contract of every command that reads a file).
func loadExperiment(_ path: String) -> Experiment {
    do {
        return try Experiment.load(path: path)
    } catch {
        printError("\(path): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s"):")
        for issue in error.issues { printError("  \(issue)") }
        exit(2)
    }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
