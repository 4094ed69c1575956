/// A set of ids kept as sorted, disjoint ranges that do not touch: ids that come mostly in runs
/// (a client's request ids) take one range per run instead of one hashed slot each.
struct IDRanges: Sendable, Equatable {
    /// The ranges, sorted; no two overlap or are adjacent.
    private(set) var ranges: [ClosedRange<UInt64>] = []

    /// No ids.
    init() {}

    /// Whether the set holds no id.
    var isEmpty: Bool { ranges.isEmpty }

    /// The position of the first range whose lower bound is above `id` (`ranges.count` when none).
    private func firstAbove(_ id: UInt64) -> Int {
        // Ids mostly arrive in increasing order: look at the end first.
        if let last = ranges.last, last.lowerBound <= id { return ranges.count }
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].lowerBound <= id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether `id` is in the set.
    func contains(_ id: UInt64) -> Bool {
        let i = firstAbove(id)
        return i > 0 && ranges[i - 1].upperBound >= id
    }

    /// Adds `id`, joining it to the ranges next to it.
    mutating func insert(_ id: UInt64) {
        let i = firstAbove(id)
        // The range before ends below `id` unless it holds it; the one at `i` starts above `id`.
        let joinsBefore = i > 0 && ranges[i - 1].upperBound &+ 1 >= id
        if i > 0 && ranges[i - 1].upperBound >= id { return }
        let joinsAfter = i < ranges.count && id &+ 1 == ranges[i].lowerBound
        switch (joinsBefore, joinsAfter) {
        case (true, true):
            ranges[i - 1] = ranges[i - 1].lowerBound...ranges[i].upperBound
            ranges.remove(at: i)
        case (true, false): ranges[i - 1] = ranges[i - 1].lowerBound...id
        case (false, true): ranges[i] = id...ranges[i].upperBound
        case (false, false): ranges.insert(id...id, at: i)
        }
    }
}
