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

        struct StreamKey: Hashable {
            let frontend: NodeName
            let connection: String
        }

        /// Open streams (by their word, `StreamWords`) → user.
        private var open: [UInt64: String] = [:]
        /// Per frontend, every stream it accepted, in order (by word).
        private var keysOf: [NodeName: [UInt64]] = [:]
        /// The streams' words.
        private var words = StreamWords()
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
            let word = words.word(of: key)
            guard open[word] == nil else { return }
            open[word] = user
            keysOf[key.frontend, default: []].append(word)
            count[user, default: 0] += 1
            if count[user] == 2 { overlapStart[user] = at }
        }

        private mutating func closed(_ key: StreamKey, at: VirtualInstant) {
            guard let word = words.known(key) else { return }
            closed(word: word, at: at)
        }

        private mutating func closed(word: UInt64, at: VirtualInstant) {
            guard let user = open.removeValue(forKey: word) else { return }
            count[user, default: 1] -= 1
            if count[user] == 1, let start = overlapStart.removeValue(forKey: user) {
                overlaps.append((user, start, at))
            }
        }

        /// Ends every stream `node` ever opened that is still open.
        private mutating func closeAll(on node: NodeName?, at: VirtualInstant) {
            guard let node, let keys = keysOf.removeValue(forKey: node) else { return }
            for word in keys { closed(word: word, at: at) }
        }

        func finish(run: RunRecord) -> CheckResult { checker.verdict(self, run: run) }
    }
}

extension SingleSessionChecker.Scan {
    /// A stream's key as one word: a frontend's stream whose connection id is a number (every
    /// one a frontend logs) is its role, its number and the id (8 bytes where the key took 32,
    /// in the open streams' table and in each frontend's list); any other gets a word of its own
    /// from a counter, with the top bit set.
    struct StreamWords: Sendable {
        /// The words given to keys that do not pack.
        private var others: [StreamKey: UInt64] = [:]

        /// No key numbered.
        init() {}

        /// The packed word of `key`: the frontend's role (8 bits) and number (16), the connection
        /// id (40), when they fit and the id is written without leading zeros.
        private static func packed(_ key: StreamKey) -> UInt64? {
            let connection = key.connection.utf8
            guard let first = connection.first, first != UInt8(ascii: "0") || connection.count == 1,
                  connection.count <= 13, connection.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let id = UInt64(key.connection), id < 1 << 40,
                  key.frontend.index < 1 << 16, key.frontend.role.order < 1 << 7 else { return nil }
            return UInt64(key.frontend.role.order) << 56 | UInt64(key.frontend.index) << 40 | id
        }

        /// The word of `key`, giving it one if it has none.
        mutating func word(of key: StreamKey) -> UInt64 {
            if let word = Self.packed(key) ?? others[key] { return word }
            let word = 1 << 63 | UInt64(others.count)
            others[key] = word
            return word
        }

        /// The word of `key` if it has one.
        func known(_ key: StreamKey) -> UInt64? { Self.packed(key) ?? others[key] }
    }
}
