/// Numbers collected one at a time and sorted mostly as they come: every `runLength` values are
/// sorted into a run when the run fills (on the thread that appends, during the scan), so that
/// ``sorted()`` at the end mostly merges the runs.
struct SortedRuns: Sendable {
    /// Values per sorted run.
    static let runLength = 4096
    /// Every value appended: sorted runs, then the partial run.
    private var values: [Int64] = []
    /// Where the partial run starts (every run before it is sorted).
    private var tail = 0

    /// Makes an empty collection.
    init() {}

    /// Adds `value`, sorting the current run when it fills.
    mutating func append(_ value: Int64) {
        values.appendGently(value)
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
        var all = values
        all.sort()
        return all
    }
}
