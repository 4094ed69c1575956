import ClusterSim
import Foundation

/// `simctl explain FLOW`: one flow of the architecture, drawn from a run of a small built-in
/// experiment.
enum ExplainCommand: Command {
    static let name = "explain"
    static let summary = "Explain one flow of the architecture with a diagram taken from a real run"
    static var help: String {
        """
        USAGE: simctl explain FLOW [--mermaid]
               simctl explain --list
               simctl explain --write-docs FILE [--check]

        Runs a small built-in experiment on the simulator, finds the first occurrence of FLOW in its
        trace and prints what happens, which types and files do it, and the sequence diagram of the
        real messages (plain text for the terminal, then Mermaid).

        FLOWS: \(FlowKind.allCases.map(\.rawValue).joined(separator: ", "))

        OPTIONS:
          --list              Print the flows, one per line, with their titles.
          --mermaid           Print only the Mermaid text of the diagram.
          --write-docs FILE   Regenerate every diagram between '<!-- explain:FLOW -->' and
                              '<!-- /explain:FLOW -->' in FILE (e.g. docs/guide.md).
          --check             With --write-docs: change nothing, exit 1 if FILE is out of date.
          -h, --help          Show this help.

        Exit status: 0 done, 1 --check found stale diagrams, 2 unknown flow, bad arguments or a
        file that cannot be read, 3 a flow was not found in its run (a bug).

        """
    }
    static let spec = ArgumentSpec(valued: ["--write-docs"], flags: ["--list", "--mermaid", "--check"],
                                   positionals: 0...1, positionalNames: ["FLOW"])

    static func run(_ args: ParsedArguments) -> Int32 {
        if args.has("--list") {
            let width = (FlowKind.allCases.map(\.rawValue.count).max() ?? 0) + 2
            for f in FlowKind.allCases { print(f.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + f.title) }
            return 0
        }
        if let path = args.value("--write-docs") { return writeDocs(path, checkOnly: args.has("--check")) }
        guard let name = args.positionals.first else {
            fail("explain: missing FLOW (one of: \(flowList))", hint: "Try 'simctl explain --list'.")
        }
        guard let flow = FlowKind(rawValue: name) else {
            let near = closestFieldName(to: name, in: FlowKind.allCases.map(\.rawValue)).map { "; did you mean '\($0)'?" } ?? ""
            fail("explain: unknown flow '\(name)'\(near) (known: \(flowList))", hint: "Try 'simctl explain --list'.")
        }
        do {
            let explanation = try FlowExplanation.run(flow)
            print(args.has("--mermaid") ? explanation.diagram.mermaid : explanation.rendered, terminator: "")
            return 0
        } catch {
            printError("simctl: explain: \(error)")
            return ExitStatus.broken
        }
    }

    static var flowList: String { FlowKind.allCases.map(\.rawValue).joined(separator: ", ") }

    private static func writeDocs(_ path: String, checkOnly: Bool) -> Int32 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            fail("explain: \(Experiment.unreadableFileMessage(path, what: "the file"))")
        }
        let updated: GuideDiagrams.Update
        do {
            updated = try GuideDiagrams.regenerate(text)
        } catch {
            fail("explain: \(path): \(error)")
        }
        if updated.text == text {
            print("\(path): \(updated.flows.count) diagrams up to date")
            return 0
        }
        if checkOnly {
            printError("\(path): diagrams out of date; run 'simctl explain --write-docs \(path)'")
            return 1
        }
        do {
            try updated.text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            fail("explain: cannot write '\(path)': \(error.localizedDescription)", status: ExitStatus.broken)
        }
        print("\(path): \(updated.flows.count) diagrams regenerated")
        return 0
    }
}
