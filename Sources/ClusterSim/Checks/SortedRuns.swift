/// Numbers collected one at a time and sorted mostly as they come: every `runLength` values are
/// sorted into a run when the run fills (on the thread that appends, during the scan), so that
/// ``sorted()`` at the end only sorts the last, partial run and merges the runs.
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
        values.append(value)
        if values.count - tail == Self.runLength {
            values[tail...].sort()
            tail = values.count
        }
    }

    /// Every value appended, ascending (the same array as sorting them all).
    func sorted() -> [Int64] {
        var current = values
        current[tail...].sort()
        var bounds = Array(stride(from: 0, to: current.count, by: Self.runLength)) + [current.count]
        var other = current
        while bounds.count > 2 {
            var merged = [0]
            current.withUnsafeBufferPointer { from in
                other.withUnsafeMutableBufferPointer { to in
                    var i = 0
                    while i + 1 < bounds.count {
                        let end = i + 2 < bounds.count ? bounds[i + 2] : bounds[i + 1]
                        Self.merge(from, bounds[i], bounds[i + 1], end, into: to)
                        merged.append(end)
                        i += 2
                    }
                }
            }
            swap(&current, &other)
            bounds = merged
        }
        return current
    }

    /// Merges the ascending ranges `from[start..<middle]` and `from[middle..<end]` into `to[start..<end]`.
    private static func merge(_ from: UnsafeBufferPointer<Int64>, _ start: Int, _ middle: Int, _ end: Int,
                              into to: UnsafeMutableBufferPointer<Int64>) {
        var left = start, right = middle, out = start
        while left < middle && right < end {
            if from[right] < from[left] {
                to[out] = from[right]
                right += 1
            } else {
                to[out] = from[left]
                left += 1
            }
            out += 1
        }
        while left < middle { to[out] = from[left]; left += 1; out += 1 }
        while right < end { to[out] = from[right]; right += 1; out += 1 }
    }
}
