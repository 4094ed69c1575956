import ClusterSim
import Foundation

/// `simctl diff FILE --seed N [--release-too]`: run an experiment twice and compare the traces.
enum DiffCommand: Command {
    static let name = "diff"
    static let summary = "Run an experiment twice (and in the other build) and show where the traces diverge"
    static let help = """
    USAGE: simctl diff FILE [--seed N] [--release-too] [--context N] [--json]

    Runs the experiment FILE twice with seed N, each run in its own child process of this
    executable (Swift seeds Set and Dictionary hashing per process, so a hidden iteration order
    shows up as a difference), and compares the two traces event by event. When they differ it
    prints the position of the first divergent event, that event in each run and the events just
    before it; when they are identical it says so with the trace hash. This is how to find the
    source of non-determinism.

    OPTIONS:
      --seed N        Run seed, 0 to 18446744073709551615 (default: the file's "seed").
      --release-too   Also run the other build configuration of simctl (the release build when
                      this one is debug, and the other way round) and compare it too; builds it with
                      'swift build -c release --product simctl' when it is missing.
      --context N     Events shown before the divergence (default 5).
      --json          Print one JSON object instead: file, seed, result (identical|divergent),
                      trace, events, runs (a list of {label, summary}) and, when divergent,
                      divergences (a list of {between, at, before, left, right}).
      -h, --help      Show this help.

    The last line is 'diff: identical trace=HASH events=N' or 'diff: divergent at=N'.
    Exit status: 0 identical, 1 the traces differ, 2 bad file or arguments, 3 a run broke.

    """
    static let spec = ArgumentSpec(valued: ["--seed", "--context", "--write-trace"], flags: ["--release-too", "--json"],
                                   positionals: 1...1, positionalNames: ["FILE"])

    /// One side of the comparison: who ran it and what it left.
    struct Side {
        var label: String
        var executable: String
        var traceFile: String
        var summary = ""
        var problem: String?
    }

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        let path = args.positionals[0]
        let experiment = loadExperiment(path)
        let seed: UInt64, context: Int, bugs: PlantedBugs
        do {
            seed = try args.seed() ?? experiment.seed
            context = try args.integer("--context", default: 5, in: 0...1000)
            bugs = try PlantedBugs.fromEnvironment()
        } catch {
            fail("diff: \(error)", hint: "Try 'simctl diff --help'.")
        }
        if let target = args.value("--write-trace") {
            return writeTrace(experiment, seed: seed, bugs: bugs, to: target)
        }
        let me = ChildProcess.currentExecutable
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-diff-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        ChildCleanup.removeOnInterrupt(dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = BuildConfiguration.of(me)
        var sides = [Side(label: "run 1 (\(config.name))", executable: me, traceFile: dir.appendingPathComponent("1.jsonl").path),
                     Side(label: "run 2 (\(config.name))", executable: me, traceFile: dir.appendingPathComponent("2.jsonl").path)]
        if args.has("--release-too") {
            guard let other = BuildConfiguration.otherExecutable(of: me) else {
                fail("diff: --release-too: cannot tell the build configuration of \(me) (expected it under .build/…/debug or .build/…/release)")
            }
            if !FileManager.default.isExecutableFile(atPath: other.path), let problem = BuildConfiguration.build(other) {
                fail("diff: --release-too: \(problem)")
            }
            sides.append(Side(label: "run 3 (\(other.name))", executable: other.path, traceFile: dir.appendingPathComponent("3.jsonl").path))
        }
        let json = args.has("--json")
        if !json {
            print("diff \(path) seed \(seed): \(sides.count) runs in separate processes" + (bugs.isEmpty ? "" : " (planted: \(bugs.switchValue))"))
        }
        let results = Results(sides)
        DispatchQueue.concurrentPerform(iterations: sides.count) { k in
            results.run(k, file: path, seed: seed)
        }
        sides = results.sides
        for s in sides where s.problem != nil {
            printError("simctl: diff: \(s.label) broke: \(s.problem!)")
            return ExitStatus.broken
        }
        guard let first = FileManager.default.contents(atPath: sides[0].traceFile) else {
            fail("diff: cannot read the trace of \(sides[0].label)", status: ExitStatus.broken)
        }
        var divergences: [(TraceDivergence, Side)] = []
        for other in sides.dropFirst() {
            guard let data = FileManager.default.contents(atPath: other.traceFile) else {
                fail("diff: cannot read the trace of \(other.label)", status: ExitStatus.broken)
            }
            if let d = TraceDiff.firstDivergence([UInt8](first), [UInt8](data), context: context) {
                if !json { report(d, sides[0], other) }
                divergences.append((d, other))
            } else if !json {
                print("identical: \(sides[0].label) and \(other.label): \(sides[0].summary)")
            }
        }
        let hash = sides[0].summary.split(separator: " ").first { $0.hasPrefix("trace=") }.map { String($0.dropFirst(6)) } ?? "?"
        let events = sides[0].summary.split(separator: " ").first { $0.hasPrefix("events=") }.map { String($0.dropFirst(7)) } ?? "?"
        if json {
            print(diffJSON(path: path, seed: seed, sides: sides, divergences: divergences, hash: hash, events: events))
        } else if let at = divergences.first?.0.index {
            print("diff: divergent at=\(at)")
        } else {
            print("diff: identical trace=\(hash) events=\(events)")
        }
        return divergences.isEmpty ? ExitStatus.success : ExitStatus.failed
    }

    /// The `--json` object of a diff.
    static func diffJSON(path: String, seed: UInt64, sides: [Side], divergences: [(TraceDivergence, Side)],
                         hash: String, events: String) -> String {
        let runs: [JSONOut] = sides.map { .object([("label", .string($0.label)), ("summary", .string($0.summary))]) }
        var members: [(String, JSONOut)] = [
            ("file", .string(path)), ("seed", .uint(seed)), ("result", .string(divergences.isEmpty ? "identical" : "divergent")),
            ("trace", .string(hash)), ("events", Int(events).map(JSONOut.int) ?? .null), ("runs", .array(runs)),
        ]
        if !divergences.isEmpty {
            members.append(("divergences", .array(divergences.map { d, other in
                .object([("between", .array([.string(sides[0].label), .string(other.label)])), ("at", .int(d.index)),
                         ("before", .array(d.before.map { .string(TraceDiff.describe($0)) })),
                         ("left", d.left.map { .string(TraceDiff.describe($0)) } ?? .null),
                         ("right", d.right.map { .string(TraceDiff.describe($0)) } ?? .null)])
            })))
        }
        return JSONOut.object(members).text
    }

    /// Prints a divergence between `a` and `b`.
    static func report(_ d: TraceDivergence, _ a: Side, _ b: Side) {
        print("DIVERGENT: \(a.label) and \(b.label) differ at event #\(d.index)")
        print("  \(a.label): \(a.summary)")
        print("  \(b.label): \(b.summary)")
        if !d.before.isEmpty {
            print("  the \(d.before.count) event\(d.before.count == 1 ? "" : "s") before it (the same in both):")
            for line in d.before { print("    " + TraceDiff.describe(line)) }
        }
        print("  first divergent event:")
        print("    \(a.label): " + (d.left.map(TraceDiff.describe) ?? "(the trace ends here)"))
        print("    \(b.label): " + (d.right.map(TraceDiff.describe) ?? "(the trace ends here)"))
    }

    /// The child side of a diff: run in this process, write the trace, print the summary line.
    static func writeTrace(_ experiment: Experiment, seed: UInt64, bugs: PlantedBugs, to target: String) -> Int32 {
        // The trace goes to the file as it is recorded, not kept in memory.
        let (run, result) = RunResult.simulate(experiment, seed: seed) { run in
            run.plantedBugs = bugs
            do { try run.simulator.trace.writeEvents(to: target) } catch { fail("diff: \(error)") }
        }
        do { try run.simulator.trace.finishWriting() } catch { fail("diff: \(error)") }
        print(result.summaryLine)
        return result.passed ? 0 : 1
    }

    /// The sides being run, filled in by concurrent workers.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Side]
        init(_ sides: [Side]) { storage = sides }
        var sides: [Side] { lock.withLock { storage } }

        func run(_ k: Int, file: String, seed: UInt64) {
            var side = lock.withLock { storage[k] }
            do {
                let out = try ChildProcess.run(side.executable, ["diff", file, "--seed", "\(seed)", "--write-trace", side.traceFile])
                let last = out.stdout.split(separator: "\n").last.map(String.init) ?? ""
                if out.signalled || !(0...1).contains(out.status) || !last.hasPrefix("result=") {
                    side.problem = "status \(out.status)\(out.signalled ? " (signal)" : ""): " + out.stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
                } else {
                    side.summary = last
                }
            } catch {
                side.problem = "\(error)"
            }
            lock.withLock { storage[k] = side }
        }
    }
}
