/// Numbers collected one at a time and sorted mostly as they come: every `runLength` values are
/// sorted into a run when the run fills (on the thread that appends, during the scan), so that
/// sorting them all at the end mostly merges the runs.
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

    /// Every value appended, ascending, kept as compactly as they were: the 32-bit values sorted
    /// by the standard sort (which finds the sorted runs and merges them with a buffer of half
    /// the values), the others apart. The end of a large run's scan is its peak of memory: this
    /// takes the 32-bit values once more and half of them for the sort, where an array of every
    /// value in 64 bits, sorted, took four times as much.
    func sortedValues() -> SortedValues {
        var narrow = values
        narrow.sort()
        return SortedValues(narrow: narrow, wide: wide.sorted())
    }

    /// Every value appended, ascending, in one array.
    func sorted() -> [Int64] { sortedValues().all }
}

/// Numbers sorted ascending, those from 0 to 2³² − 1 in 4 bytes each (`narrow`), any other in
/// full (`wide`): the run's push latencies as the metrics keep them. Read by rank.
package struct SortedValues: Sendable, Equatable {
    /// The values from 0 to 2³² − 1, ascending.
    private var narrow: [UInt32] = []
    /// The other values, ascending: the negative ones, then those of 2³² or more.
    private var wide: [Int64] = []
    /// How many of `wide` are negative (they come before every narrow value).
    private var negatives = 0

    /// No values.
    package init() {}

    /// `narrow` (ascending, each below 2³²) with `wide` (ascending, none from 0 to 2³² − 1).
    init(narrow: [UInt32], wide: [Int64]) {
        self.narrow = narrow
        self.wide = wide
        negatives = wide.firstIndex { $0 >= 0 } ?? wide.count
    }

    /// `values`, sorted.
    package init(sorting values: [Int64]) {
        self.init(narrow: values.compactMap { $0 >= 0 && $0 <= Int64(UInt32.max) ? UInt32($0) : nil }.sorted(),
                  wide: values.filter { $0 < 0 || $0 > Int64(UInt32.max) }.sorted())
    }

    /// How many values.
    package var count: Int { narrow.count + wide.count }
    /// Whether there are none.
    package var isEmpty: Bool { count == 0 }

    /// The value of 0-based rank `i` (`0..<count`), ascending.
    package subscript(rank i: Int) -> Int64 {
        if i < negatives { return wide[i] }
        if i - negatives < narrow.count { return Int64(narrow[i - negatives]) }
        return wide[i - narrow.count]
    }

    /// The largest value, if any.
    package var last: Int64? { isEmpty ? nil : self[rank: count - 1] }

    /// Every value, ascending, in one array.
    package var all: [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        out.append(contentsOf: wide[..<negatives])
        for value in narrow { out.append(Int64(value)) }
        out.append(contentsOf: wide[negatives...])
        return out
    }
}
