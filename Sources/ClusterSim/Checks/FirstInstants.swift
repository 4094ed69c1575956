import NetModel

/// The first instant of each id (a held push, a said line): a sorted array of 16-byte pairs, not
/// a dictionary (whose empty buckets would double it; a run keeps one pair per push for its whole
/// length). Ids mostly come in increasing order, so a new one is mostly appended.
struct FirstInstants: Sendable {
    private var ids: [UInt64] = []
    private var instants: [Int64] = []

    /// None yet.
    init() {}

    /// How many ids have an instant.
    var count: Int { ids.count }

    /// Where `id` is, or where it would go.
    private func position(of id: UInt64) -> Int {
        if let last = ids.last, last < id { return ids.count }
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first instant recorded for `id`, if any.
    subscript(id: UInt64) -> VirtualInstant? {
        let i = position(of: id)
        return i < ids.count && ids[i] == id ? VirtualInstant(nanoseconds: instants[i]) : nil
    }

    /// Records `at` for `id` unless it has an instant already.
    mutating func recordFirst(_ id: UInt64, at: VirtualInstant) {
        let i = position(of: id)
        guard i == ids.count || ids[i] != id else { return }
        ids.insert(id, at: i)
        instants.insert(at.nanoseconds, at: i)
    }
}
