import ClusterSim
import Foundation
import NetModel

/// `simctl bench sim`: simulator throughput.
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "Measure throughput (bench sim: the simulator; bench tcp; bench chat: the chat server)"
    static let help = """
    USAGE: simctl bench sim [--nodes N] [--messages N] [--in-flight N] [--runs N] [--seed N] [--drop P] [--retain-trace]
           simctl bench sim --vs-bare N [--nodes N] [--messages N] [--in-flight N] [--drop P]

    Simulates N node actors exchanging messages through the simulated network (exponential latency,
    mean 2ms, and a drop probability, default 1%) and prints deliveries per second and events per
    second as the median of several runs. Build in release mode for real figures:
      swift run -c release simctl bench sim

    OPTIONS:
      --nodes N        Node actors (default 1000).
      --messages N     Messages sent in all, per run (default 1000000).
      --in-flight N    Messages each node starts with in flight (default 4; losses are replaced).
      --runs N         Runs; the median is reported (default 5).
      --seed N         Run seed (default 1).
      --drop P         Drop probability in [0, 1] (default 0.01).
      --retain-trace   Keep every trace event in memory (default: hash and count only).
      --vs-bare N      Side by side in this one process: N pairs, each the bare event loop (the anchor
                       of ../shared/bench/bareloop.swift: no actors, no trace) then the simulator, with
                       the same traffic (--in-flight defaults to the anchor's 10 here); prints each
                       pair's CPU (every thread) and wall seconds and their ratio bare / simulator,
                       and ends with 'vs-bare: pairs=N cpu_ratio_median=R wall_ratio_median=R ...'.
                       On one core: taskset -c 0 simctl bench sim --vs-bare N (the trace's
                       folding thread then shares the driver's core).
      -h, --help       Show this help.

    The last line is 'deliveries/s=N events/s=N' (with --vs-bare, the 'vs-bare:' line).

    \(BenchTCP.usage)

    'simctl bench chat' measures the chat server instead; see 'simctl bench chat --help'.

    """
    static let spec = ArgumentSpec(valued: ["--nodes", "--messages", "--in-flight", "--runs", "--seed", "--drop", "--vs-bare"],
                                   flags: ["--retain-trace", "--auth"], positionals: 1...1, positionalNames: ["benchmark name (sim)"])

    static func run(_ args: ParsedArguments) -> Int32 {
        ChildCleanup.installSignalHandling()  // Ctrl-C stops the children and removes temp folders
        if args.positionals[0] == "tcp" { return BenchTCP.run(args) }
        guard args.positionals[0] == "sim" else {
            fail("bench: unknown benchmark '\(args.positionals[0])' (known: sim, tcp, chat)", hint: "Try 'simctl bench --help'.")
        }
        var settings = SimBenchmark.Settings()
        let runs: Int
        var vsBarePairs: Int?
        do {
            if args.value("--vs-bare") != nil {
                vsBarePairs = try args.integer("--vs-bare", default: 5, in: 1...100)
                if args.has("--retain-trace") { throw UsageError("--vs-bare measures the simulator as runs use it: leave out --retain-trace") }
            }
            settings.nodes = try args.integer("--nodes", default: 1_000, in: 2...1_000_000)
            settings.messages = try args.integer("--messages", default: 1_000_000, in: 1...1_000_000_000)
            settings.seed = UInt64(try args.integer("--seed", default: 1, in: 0...Int.max))
            runs = try args.integer("--runs", default: 5, in: 1...100)
            settings.inFlightPerNode = try args.integer("--in-flight", default: vsBarePairs == nil ? 4 : 10, in: 1...10_000)
            if let d = args.value("--drop") {
                guard let p = Double(d), (0...1).contains(p) else {
                    throw UsageError("option '--drop' expects a probability in [0, 1], got '\(d)'")
                }
                settings.drop = p
            }
        } catch {
            fail("bench: \(error)", hint: "Try 'simctl bench --help'.")
        }
        settings.retainTrace = args.has("--retain-trace")
        if let pairs = vsBarePairs { return BenchSimVsBare.run(pairs: pairs, settings: settings) }
        print("bench sim: \(settings.nodes) nodes, \(settings.messages) messages, \(settings.inFlightPerNode) in flight per node, drop \(settings.drop), \(runs) runs")
        var deliveryRates: [Double] = []
        var eventRates: [Double] = []
        let clock = ContinuousClock()
        for i in 1...runs {
            var outcome: SimBenchmark.Outcome?
            let elapsed = clock.measure { outcome = SimBenchmark.run(settings) }
            let o = outcome!
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            deliveryRates.append(Double(o.deliveries) / seconds)
            eventRates.append(Double(o.events) / seconds)
            print("run \(i): \(o.deliveries) deliveries, \(o.events) events, \(o.dropped) dropped in "
                  + String(format: "%.3f", seconds) + "s wall (\(o.virtualTime) virtual), trace \(o.traceHash)")
        }
        let d = median(deliveryRates), e = median(eventRates)
        print("median: " + String(format: "%.0f", d) + " deliveries/s, " + String(format: "%.0f", e) + " events/s")
        print("deliveries/s=\(Int(d)) events/s=\(Int(e))")
        return 0
    }

    /// The median of `xs`, which must not be empty (the mean of the middle two for an even count).
    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
