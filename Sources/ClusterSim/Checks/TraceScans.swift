import NetModel

/// The scans of one simulated run (its streaming checkers' and its metrics'), fed batches of
/// events as the trace recorder folds them.
struct TraceScans: Sendable {
    /// Each checker's scan with its check's position in the experiment's `checks`.
    private(set) var checks: [(slot: Int, scan: any TraceScan<CheckResult>)] = []
    /// The metrics' scan, if any.
    private(set) var metrics: RunMetrics.Scan?

    /// A scan that reads an event: the metrics', or the checker's at a position of `checks`.
    private enum Reader: Sendable {
        case check(Int), metrics
    }

    /// Node-event label → the scans that read it.
    private var readers = LabelTable<[Reader]>()
    /// Event kind (raw value) → the scans that read it.
    private var kindReaders: [[Reader]] = Array(repeating: [], count: 32)
    /// Bit `k` set: some scan reads the events of raw kind `k` (a node event or not).
    private var kindMask: UInt32 = 0

    /// No scans.
    init() {}

    /// The scans of the checkers of `checks` that have one (the others run after the run), and
    /// the metrics' scan when `metrics`.
    init(checks: [CheckName], metrics: Bool, options: CheckOptions = CheckOptions()) {
        for (slot, name) in checks.enumerated() {
            guard let checker = Checkers.make(name, options: options) as? any ScanningChecker else { continue }
            let scan = checker.makeScan()
            add(scan, as: .check(self.checks.count))
            self.checks.append((slot, scan))
        }
        if metrics {
            let scan = RunMetrics.Scan()
            add(scan, as: .metrics)
            self.metrics = scan
        }
    }

    private mutating func add(_ scan: some TraceScan, as reader: Reader) {
        for label in scan.labels.sorted() { readers.update(label, default: []) { $0.append(reader) } }
        if !scan.labels.isEmpty { kindMask |= 1 << TraceKind.node.rawValue }
        for kind in scan.kinds {
            kindReaders[Int(kind.rawValue)].append(reader)
            kindMask |= 1 << kind.rawValue
        }
    }

    /// Whether nothing scans the trace.
    var isEmpty: Bool { kindMask == 0 }

    /// Hands each event of `events` (a batch, in trace order) to the scans that read it.
    mutating func observe(_ events: [TraceEvent]) {
        events.withUnsafeBufferPointer { observe($0) }
    }

    /// Feeds a batch of events, in order, read where they are (the recorder's batch buffer): an
    /// event that no scan reads is looked at (kind, label), not copied.
    mutating func observe(_ batch: UnsafeBufferPointer<TraceEvent>) {
        for i in batch.indices where kindMask & (1 << batch[i].kind.rawValue) != 0 {
            let kind = batch[i].kind
            guard let which = kind == .node ? readers.value(of: batch[i].label) : kindReaders[Int(kind.rawValue)] else { continue }
            let entry = NodeEntry(event: batch[i])
            for reader in which {
                switch reader {
                case .check(let c): checks[c].scan.observe(entry)
                case .metrics: metrics?.observe(entry)
                }
            }
        }
    }

    /// The scan of the check at `slot` of the experiment's `checks`, if it has one.
    func scan(at slot: Int) -> (any TraceScan<CheckResult>)? {
        checks.first { $0.slot == slot }?.scan
    }
}

/// A small map from strings (node-event labels) to values that finds a string without hashing
/// it: its length and first and last bytes pick a bucket, then the few strings there are compared.
/// On the folding thread this is several times cheaper per event than a `Dictionary` lookup.
struct LabelTable<Value: Sendable>: Sendable {
    private static var bucketCount: Int { 64 }
    private var buckets: [[(label: String, value: Value)]] = Array(repeating: [], count: bucketCount)

    private static func bucket(of label: String) -> Int {
        let utf8 = label.utf8
        guard let first = utf8.first, let last = utf8.last else { return 0 }
        return (utf8.count &* 31 &+ Int(first) &* 7 &+ Int(last)) & (bucketCount - 1)
    }

    /// The value of `label`, or nil.
    func value(of label: String) -> Value? {
        let b = Self.bucket(of: label)
        for i in buckets[b].indices where buckets[b][i].label == label { return buckets[b][i].value }
        return nil
    }

    /// Changes the value of `label` (`initial` when it has none) with `change`.
    mutating func update(_ label: String, default initial: Value, _ change: (inout Value) -> Void) {
        let b = Self.bucket(of: label)
        if let i = buckets[b].firstIndex(where: { $0.label == label }) {
            change(&buckets[b][i].value)
        } else {
            var value = initial
            change(&value)
            buckets[b].append((label, value))
        }
    }
}
