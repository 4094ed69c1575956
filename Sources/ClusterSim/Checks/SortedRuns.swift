/// Numbers collected one at a time and sorted mostly as they come: every `runLength` values are
/// sorted into a run when the run fills (on the thread that appends, during the scan), so that
/// ``sorted()`` at the end mostly merges the runs.
///
/// Kept for the whole run (a push latency per reception), so a value from 0 to 2³² − 1 (a latency
/// under 4.29 s: nearly all) is held in 4 bytes; any other value apart, in full.
struct SortedRuns: Sendable {
    /// Values per sorted run.
    static let runLength = 4096
    /// Every value appended that fits 32 bits: sorted runs, then the partial run.
    private var values: [UInt32] = []
    /// Where the partial run starts (every run before it is sorted).
    private var tail = 0
    /// The values that do not fit 32 bits, in the order they came.
    private var wide: [Int64] = []

    /// Makes an empty collection.
    init() {}

    /// How many values were appended.
    var count: Int { values.count + wide.count }

    /// Adds `value`, sorting the current run when it fills.
    mutating func append(_ value: Int64) {
        guard value >= 0, value <= Int64(UInt32.max) else {
            wide.append(value)
            return
        }
        values.appendGently(UInt32(value))
        if values.count - tail == Self.runLength {
            values[tail...].sort()
            tail = values.count
        }
    }

    /// Every value appended, ascending (the same array as sorting them all): the standard sort,
    /// which finds the sorted runs and merges them with a buffer of half the values. (A merge of
    /// the runs of its own, into a second array as large as the first, made the end of a large
    /// run's scan its peak of memory: the values three times over.)
    func sorted() -> [Int64] {
        var all: [Int64] = []
        all.reserveCapacity(count)
        for value in values { all.append(Int64(value)) }
        all.append(contentsOf: wide)
        all.sort()
        return all
    }
}
