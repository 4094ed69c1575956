import NetModel
import Nodes

extension RunMetrics {
    /// The trace pass of the metrics: push latencies, and detection and failover after frontend
    /// crashes, which follow crashes, removals and connections in trace order. The counts come
    /// from the record's index, and the retired clients (left out of failovers) from its snapshot,
    /// in ``finish(run:)``.
    struct Scan: TraceScan {
        var labels: Set<String> { [NodeLog.pushReceived, NodeLog.nodeRemoved, NodeLog.clientConnected, NodeLog.pushAccepted] }
        var kinds: [TraceKind] { [.crash] }

        /// One frontend crash that left clients on it, and when each came back elsewhere.
        struct Failover {
            let frontend: NodeName
            let at: VirtualInstant
            /// The clients whose last connection before the crash was on `frontend`, sorted.
            let affected: [NodeName]
            /// Affected clients not yet connected to another frontend.
            var waiting: Set<NodeName>
            /// Each affected client's first connection to another frontend: when, and the event's `seq`.
            var back: [NodeName: (at: VirtualInstant, seq: Int)] = [:]
        }

        /// An accepted push whose id has no code, and its user's number.
        struct UncodedPush: Hashable {
            let push: UInt64
            let user: Int
        }

        /// Push latencies in nanoseconds, sorted run by run as they come.
        private var latencies = SortedRuns()
        private var histogram = LatencyHistogram()
        private var frontendCrashes = 0
        /// User name → number, in order of appearance in `push-accepted`.
        private var users = DenseTable<String, UInt32>()
        /// Per user number, the pushes to it among the `push-accepted` events as their 32-bit
        /// codes (``PushCodes``), sorted and each once (a push accepted again, e.g. re-sent after a
        /// failover, counts once), as `push-delivery` counts them: 4 bytes a push, not a hashed
        /// slot with the user's name.
        private var acceptedPushes: [[UInt32]] = []
        /// The codes of `acceptedPushes` (one table for every user).
        private var codes = PushCodes()
        /// The accepted pushes that have no code: (push id, user number), each once.
        private var uncodedPushes: Set<UncodedPush> = []
        /// How many distinct (push, user) pairs `acceptedPushes` holds.
        private var acceptedCount = 0
        /// Client → the frontend of its last connection.
        private var lastFrontend = DenseTable<NodeName, NodeName>()
        private var pendingDetection: [NodeName: VirtualInstant] = [:]
        private var detected: [(crash: VirtualInstant, took: Duration)] = []
        /// Every crash that left clients, in crash order (retired clients included until the end).
        private var failovers: [Failover] = []
        /// Positions in `failovers` of those still waiting for a client.
        private var open: [Int] = []

        mutating func observe(_ e: NodeEntry) {
            switch e.event.kind {
            case .crash:
                guard let node = e.node, node.role == .frontend else { return }
                frontendCrashes += 1
                if pendingDetection[node] == nil { pendingDetection[node] = e.at }
                let affected = lastFrontend.unorderedKeys.filter { lastFrontend[$0] == node }.sorted()
                if !affected.isEmpty {
                    open.append(failovers.count)
                    failovers.append(Failover(frontend: node, at: e.at, affected: affected, waiting: Set(affected)))
                }
            case .node where e.label == NodeLog.pushReceived:
                if let ns = e.event.fields.signed("latency-ns") {
                    latencies.append(ns)
                    histogram.record(nanoseconds: ns)
                }
            case .node where e.label == NodeLog.pushAccepted:
                accept(push: e.number("push") ?? 0, user: e.event.fields.text("user") ?? "")
            case .node where e.label == NodeLog.nodeRemoved:
                guard let removed = e.name("name"), let crash = pendingDetection.removeValue(forKey: removed) else { return }
                detected.append((crash, crash.duration(to: e.at)))
            case .node:
                guard let client = e.node, let frontend = e.name("frontend") else { return }
                lastFrontend[client] = frontend
                for i in open where failovers[i].frontend != frontend {
                    if failovers[i].waiting.remove(client) != nil { failovers[i].back[client] = (e.at, e.event.seq) }
                }
                open.removeAll { failovers[$0].waiting.isEmpty }
            default: break
            }
        }

        /// Records that `push` to `user` was accepted, once per pair.
        private mutating func accept(push: UInt64, user: String) {
            let u: Int
            if let known = users[user] { u = Int(known) } else {
                u = acceptedPushes.count
                users[user] = UInt32(u)
                acceptedPushes.append([])
            }
            guard let code = codes.assign(push) else {
                if uncodedPushes.insert(UncodedPush(push: push, user: u)).inserted { acceptedCount += 1 }
                return
            }
            // Grown by a quarter, not doubled: kept per user for the whole run.
            acceptedPushes[u].reserveGently()
            // Codes mostly grow: appended; else found or inserted in order.
            if acceptedPushes[u].last.map({ $0 < code }) ?? true {
                acceptedPushes[u].append(code)
                acceptedCount += 1
                return
            }
            var low = 0, high = acceptedPushes[u].count
            while low < high {
                let mid = (low + high) / 2
                if acceptedPushes[u][mid] < code { low = mid + 1 } else { high = mid }
            }
            guard acceptedPushes[u][low] != code else { return }
            acceptedPushes[u].insert(code, at: low)
            acceptedCount += 1
        }

        func finish(run: RunRecord) -> RunMetrics {
            var m = RunMetrics()
            let index = run.nodeIndex
            func count(_ label: String) -> Int { index.count(label: label) }
            m.events = index.total
            // A stream opening is delivered like a message, so it is counted as sent too.
            m.messagesSent = index.sends + index.count(of: .streamOpen)
            m.messagesDelivered = index.deliveries
            m.messagesDropped = index.count(of: .drop)
            m.messagesDuplicated = index.count(of: .duplicate)
            m.requestsServed = count(NodeLog.requestServed)
            m.requestsRejected = count(NodeLog.requestRejected)
            m.pushesAccepted = acceptedCount
            m.pushesDelivered = count(NodeLog.pushReceived)
            m.pushesExpired = count(NodeLog.pushExpired)
            m.chatLines = count(NodeLog.chatLine)
            m.unexpectedMessages = count(NodeLog.unexpected)
            m.frontendCrashes = frontendCrashes
            m.sortedPushLatencies = latencies.sortedValues()
            m.pushLatencyHistogram = histogram
            m.detections = detected.sorted { $0.crash < $1.crash }.map(\.took)

            // Retired clients are not expected back: a failover is complete when every other
            // affected client is, at the last one's return (completions in trace order, as they happen).
            let retired = Set(run.snapshot.clients.filter(\.retired).map(\.client))
            var done: [(crash: VirtualInstant, took: Duration, completedAt: Int, ordinal: Int)] = []
            for (ordinal, f) in failovers.enumerated() {
                let expected = f.affected.filter { !retired.contains($0) }
                guard !expected.isEmpty else { continue }
                let returns = expected.compactMap { f.back[$0] }
                if returns.count < expected.count {
                    m.failoverStragglers += expected.count - returns.count
                } else if let last = returns.max(by: { $0.seq < $1.seq }) {
                    done.append((f.at, f.at.duration(to: last.at), last.seq, ordinal))
                }
            }
            // In order of completion (those completed by one event in crash order), then by crash.
            done.sort { ($0.completedAt, $0.ordinal) < ($1.completedAt, $1.ordinal) }
            m.failovers = done.sorted { $0.crash < $1.crash }.map(\.took)
            return m
        }
    }
}
