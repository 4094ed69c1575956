import NetModel
import Nodes

/// Everything a report shows about one finished run, read from its experiment, results and trace.
///
/// `simctl run FILE --out DIR` writes three views of it (``RunReport/write(to:)``):
/// `report.html` (one self-contained page), `report.md` (Markdown with Mermaid diagrams) and
/// `trace.perfetto.json` (Chrome trace-event format, opens in Perfetto or chrome://tracing).
package struct RunReport: Sendable {
    /// The experiment that ran.
    package var experiment: Experiment
    /// The seed used.
    package var seed: UInt64
    /// The trace hash.
    package var traceHash: String
    /// Every event of the run, in order.
    package var events: [TraceEvent]
    /// Every check, passed or failed, with its detail.
    package var checks: [CheckResult]
    /// Metric name → value (times in milliseconds), in the order to show.
    package var metrics: [(String, Double)]
    /// The end of the run (`duration + settle`).
    package var end: VirtualInstant

    /// Makes a report from its parts (a test may pass a synthetic trace).
    package init(experiment: Experiment, seed: UInt64, traceHash: String, events: [TraceEvent],
                checks: [CheckResult], metrics: [(String, Double)], end: VirtualInstant) {
        self.experiment = experiment
        self.seed = seed
        self.traceHash = traceHash
        self.events = events
        self.checks = checks
        self.metrics = metrics
        self.end = end
    }

    /// The report of a finished run and its result.
    package init(run: ClusterRun, result: RunResult) {
        self.init(experiment: run.experiment, seed: result.seed, traceHash: result.traceHash,
                  events: run.simulator.trace.events, checks: result.checks, metrics: result.metrics, end: run.end)
    }

    /// Whether every check passed.
    package var passed: Bool { checks.allSatisfy(\.passed) }

    /// The server nodes shown as lanes: the experiment's, plus any other non-client node the trace
    /// names, sorted.
    package var serverNodes: [NodeName] {
        var names = Set(experiment.nodeNames)
        for e in events where e.kind == .crash || e.kind == .restart || e.kind == .pause {
            if let n = e.node, n.role != .client { names.insert(n) }
        }
        return names.sorted()
    }
}

/// What state a node is in over an interval of a run.
package enum NodeState: String, Sendable {
    /// Running normally.
    case up
    /// Crashed (until restarted).
    case down
    /// Paused: its messages are held.
    case paused
    /// Cut off by a partition (running, but some of its links are cut).
    case partitioned
}

/// One interval of a timeline.
package struct Interval: Sendable, Equatable {
    /// Start, inclusive.
    package var start: VirtualInstant
    /// End, exclusive.
    package var end: VirtualInstant
    /// What it was.
    package var label: String
}

/// The timeline of a run: each server node's states and the periods of faults.
package struct RunTimeline: Sendable {
    /// Per node, its non-`up` intervals (down, paused, partitioned) in start order.
    package private(set) var states: [NodeName: [Interval]] = [:]
    /// Fault periods (crash to restart, pause to resume, partition to heal) in start order; a crash
    /// without restart, or a fault without end, lasts to the end of the run.
    package private(set) var faults: [Interval] = []
    /// Instant events worth seeing on a node's lane, in trace order: clock offsets, removals from
    /// the registry (`node-removed`, on the removed node's lane), session re-syncs and kicks.
    package private(set) var marks: [(node: NodeName, at: VirtualInstant, kind: Mark)] = []

    /// The kind of an instant mark on a lane.
    package enum Mark: String, Sendable {
        /// The node's clock was shifted.
        case offset
        /// The manager removed the node from the registry.
        case removed
        /// The session node re-synced (from a frontend's report).
        case resync
        /// The session node kicked an older session of a user.
        case kick
    }

    /// Reads the timeline from `events`; open intervals close at `end`.
    package init(_ events: [TraceEvent], end: VirtualInstant) {
        var down: [NodeName: VirtualInstant] = [:]
        var paused: [NodeName: VirtualInstant] = [:]
        var cut: [UInt64: (at: VirtualInstant, detail: String, nodes: [NodeName])] = [:]
        func add(_ node: NodeName, _ start: VirtualInstant, _ stop: VirtualInstant, _ state: NodeState) {
            states[node, default: []].append(Interval(start: start, end: stop, label: state.rawValue))
        }
        for e in events {
            switch e.kind {
            case .crash:
                if let n = e.node { down[n] = e.at }
            case .restart:
                if let n = e.node, let s = down.removeValue(forKey: n) {
                    add(n, s, e.at, .down)
                    faults.append(Interval(start: s, end: e.at, label: "\(n) down"))
                }
            case .pause:
                if let n = e.node { paused[n] = e.at }
            case .resume:
                if let n = e.node, let s = paused.removeValue(forKey: n) {
                    add(n, s, e.at, .paused)
                    faults.append(Interval(start: s, end: e.at, label: "\(n) paused"))
                }
            case .partition:
                cut[e.messageID] = (e.at, e.detail, Self.names(in: e.detail))
            case .clockOffset:
                if let n = e.node { marks.append((n, e.at, .offset)) }
            case .node where e.label == "node-removed":
                if let n = e.fields.name("name") { marks.append((n, e.at, .removed)) }
            case .node where e.label == "session-resync":
                if let n = e.node { marks.append((n, e.at, .resync)) }
            case .node where e.label == "session-kick":
                if let n = e.node { marks.append((n, e.at, .kick)) }
            case .heal:
                if let p = cut.removeValue(forKey: e.messageID) {
                    for n in p.nodes { add(n, p.at, e.at, .partitioned) }
                    faults.append(Interval(start: p.at, end: e.at, label: "partition \(p.detail)"))
                }
            default:
                break
            }
        }
        for n in down.keys.sorted() {
            add(n, down[n]!, end, .down)
            faults.append(Interval(start: down[n]!, end: end, label: "\(n) down"))
        }
        for n in paused.keys.sorted() {
            add(n, paused[n]!, end, .paused)
            faults.append(Interval(start: paused[n]!, end: end, label: "\(n) paused"))
        }
        for id in cut.keys.sorted() {
            let p = cut[id]!
            for n in p.nodes { add(n, p.at, end, .partitioned) }
            faults.append(Interval(start: p.at, end: end, label: "partition \(p.detail)"))
        }
        faults.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        for k in states.keys { states[k]!.sort { ($0.start, $0.end) < ($1.start, $1.end) } }
    }

    /// The node names in a partition summary (`[frontend-1] | [session-1 management-1]`, or with
    /// `->` for a one-way cut): names contain `-`, so only spaces, brackets, `|`, `,` and a lone
    /// `->` separate them.
    static func names(in summary: String) -> [NodeName] {
        summary.split(whereSeparator: { " [],|".contains($0) }).compactMap { word in
            let w = word.hasPrefix(">") ? word.dropFirst() : word
            return NodeName(parsing: String(w.hasSuffix("-") ? w.dropLast() : w))
        }
    }
}

/// Push latency over the run: `push-received latency-ns=` values by the instant they arrived.
package struct LatencySeries: Sendable {
    /// One time bucket.
    package struct Bucket: Sendable, Equatable {
        /// The bucket's start.
        package var start: VirtualInstant
        /// Pushes received in it.
        package var count: Int
        /// Median, 99th percentile (nearest rank; nil with fewer than ``LatencySeries/minimumForP99``
        /// pushes, where it would only repeat the largest) and largest latency, in nanoseconds.
        package var p50: Int64, p99: Int64?, max: Int64
    }
    /// The fewest pushes in a bucket for its 99th percentile to be shown (with fewer, the nearest
    /// rank is the largest value).
    package static let minimumForP99 = 100
    /// Non-empty buckets, in time order.
    package private(set) var buckets: [Bucket] = []
    /// Every latency in log-scale buckets.
    package private(set) var histogram = LatencyHistogram()
    /// The width of a bucket.
    package let width: Duration

    /// Reads latencies from `events` into `bucketCount` equal buckets over `[0, end]`; with
    /// `adaptive`, into fewer (at least 10) when there are too few pushes for about
    /// 2 × ``minimumForP99`` per bucket, so that p99 can be shown.
    package init(_ events: [TraceEvent], end: VirtualInstant, bucketCount: Int = 120, adaptive: Bool = false) {
        var samples: [(at: VirtualInstant, nanoseconds: Int64)] = []
        for e in events where e.kind == .node && e.label == "push-received" {
            guard let ns = NodeLog.field("latency-ns", in: e.detail).flatMap({ Int64($0) }) else { continue }
            samples.append((e.at, ns))
        }
        self.init(samples: samples, end: end, bucketCount: bucketCount, adaptive: adaptive)
    }

    /// Puts `samples` (when each ended, and its latency) into `bucketCount` equal buckets over
    /// `[0, end]` (fewer with `adaptive`, as above).
    package init(samples: [(at: VirtualInstant, nanoseconds: Int64)], end: VirtualInstant, bucketCount requested: Int = 120,
                adaptive: Bool = false) {
        let bucketCount = adaptive ? min(requested, max(10, samples.count / (2 * Self.minimumForP99))) : requested
        let span = max(1, end.nanoseconds)
        let step = max(1, (span + Int64(bucketCount) - 1) / Int64(bucketCount))
        width = .nanoseconds(step)
        var values = Array(repeating: [Int64](), count: bucketCount)
        for (at, ns) in samples {
            histogram.record(nanoseconds: ns)
            values[min(bucketCount - 1, Int(max(0, at.nanoseconds) / step))].append(ns)
        }
        for (k, var v) in values.enumerated() where !v.isEmpty {
            v.sort()
            buckets.append(Bucket(start: VirtualInstant(nanoseconds: Int64(k) * step), count: v.count,
                                  p50: RunMetrics.percentile(50, of: v)!, p99: v.count >= Self.minimumForP99 ? RunMetrics.percentile(99, of: v)! : nil,
                                  max: v.last!))
        }
    }
}
