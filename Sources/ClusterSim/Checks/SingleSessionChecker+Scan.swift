import NetModel
import Nodes

extension SingleSessionChecker {
    /// The trace pass of `single-session`, part 2: which streams are open, and the spans during
    /// which a user held two of them. A stream opens at `stream-accepted` and ends at
    /// `stream-ended`, or when its frontend is fenced, crashes or restarts. Overlaps still open at
    /// the end, the grace and the excuses are left to ``SingleSessionChecker/verdict(_:run:)``.
    struct Scan: TraceScan {
        /// The checker's configuration.
        let checker: SingleSessionChecker
        var labels: Set<String> { [NodeLog.fenced, NodeLog.streamAccepted, NodeLog.streamEnded] }
        var kinds: [TraceKind] { [.crash, .restart] }

        private struct StreamKey: Hashable {
            let frontend: NodeName
            let connection: String
        }

        private var open: [StreamKey: String] = [:]
        private var keysOf: [NodeName: [StreamKey]] = [:]
        /// User → how many streams it holds open.
        private var count = DenseTable<String, Int>()
        /// Users holding two streams now, since when.
        private(set) var overlapStart: [String: VirtualInstant] = [:]
        /// Overlaps that ended, in the order they ended.
        private(set) var overlaps: [(user: String, start: VirtualInstant, end: VirtualInstant)] = []

        init(checker: SingleSessionChecker) {
            self.checker = checker
        }

        mutating func observe(_ e: NodeEntry) {
            switch e.event.kind {
            case .node where e.label == NodeLog.fenced:
                closeAll(on: e.node, at: e.at)
            case .node:
                let f = e.event.fields
                guard let frontend = e.node, let conn = f.text("conn") else { return }
                let key = StreamKey(frontend: frontend, connection: conn)
                if e.label == NodeLog.streamAccepted {
                    if let user = f.text("user") { opened(key, user: user, at: e.at) }
                } else {
                    closed(key, at: e.at)
                }
            case .crash, .restart:
                closeAll(on: e.node, at: e.at)
            default: return
            }
        }

        private mutating func opened(_ key: StreamKey, user: String, at: VirtualInstant) {
            guard open[key] == nil else { return }
            open[key] = user
            keysOf[key.frontend, default: []].append(key)
            count[user, default: 0] += 1
            if count[user] == 2 { overlapStart[user] = at }
        }

        private mutating func closed(_ key: StreamKey, at: VirtualInstant) {
            guard let user = open.removeValue(forKey: key) else { return }
            count[user, default: 1] -= 1
            if count[user] == 1, let start = overlapStart.removeValue(forKey: user) {
                overlaps.append((user, start, at))
            }
        }

        /// Ends every stream `node` ever opened that is still open.
        private mutating func closeAll(on node: NodeName?, at: VirtualInstant) {
            guard let node, let keys = keysOf.removeValue(forKey: node) else { return }
            for key in keys { closed(key, at: at) }
        }

        func finish(run: RunRecord) -> CheckResult { checker.verdict(self, run: run) }
    }
}
