import NetModel
import Nodes

/// The first instant each id was seen, for ids made like push ids (`PushIDLayout`: a prefix in
/// the high 32 bits, a counter from 1 in the low 32): per prefix, one array of instants indexed by
/// counter (8 bytes an id, no hashed slot), the few ids too far past their prefix's array in a
/// dictionary. Kept for the whole run by `acknowledged-effects` for every push held.
struct FirstInstants: Sendable {
    /// An id's place in a dense array not filled (no instant yet).
    private static var absent: Int64 { Int64.min }
    /// How far past the end of its prefix's array an id may be and still be kept there (the gap
    /// is filled with `absent`).
    private static var maxGap: UInt64 { 4096 }

    /// Per prefix with an array, its instants by counter (nanoseconds, or `absent`).
    private var dense: [[Int64]] = []
    /// Where each prefix is in `dense`.
    private var positions: [UInt64: Int] = [:]
    /// The prefix last looked up and its position: nearly every id is of the prefix before it.
    private var lastPrefix: UInt64?
    private var lastPosition = 0
    /// The ids kept outside the arrays.
    private var sparse: [UInt64: VirtualInstant] = [:]

    /// No ids.
    init() {}

    private static func split(_ id: UInt64) -> (prefix: UInt64, counter: Int) {
        (id >> UInt64(PushIDLayout.counterBits), Int(truncatingIfNeeded: id & (1 << UInt64(PushIDLayout.counterBits) - 1)))
    }

    /// The position of `prefix`'s array, if it has one.
    private mutating func position(of prefix: UInt64) -> Int? {
        if prefix == lastPrefix { return lastPosition }
        guard let p = positions[prefix] else { return nil }
        (lastPrefix, lastPosition) = (prefix, p)
        return p
    }

    /// The instant kept for `id`, if any.
    subscript(id: UInt64) -> VirtualInstant? {
        let (prefix, counter) = Self.split(id)
        let p = prefix == lastPrefix ? lastPosition : positions[prefix]
        if let p, counter < dense[p].count, dense[p][counter] != Self.absent {
            return VirtualInstant(nanoseconds: dense[p][counter])
        }
        // Not in an array: kept apart (an array may have grown over it since), or not at all.
        return sparse.isEmpty ? nil : sparse[id]
    }

    /// Keeps `at` for `id` unless an instant is kept for it already.
    mutating func keepFirst(_ id: UInt64, at: VirtualInstant) {
        guard self[id] == nil else { return }
        let (prefix, counter) = Self.split(id)
        guard at.nanoseconds != Self.absent else {
            sparse[id] = at
            return
        }
        let p: Int
        if let known = position(of: prefix) { p = known } else {
            guard UInt64(counter) <= Self.maxGap else {
                sparse[id] = at
                return
            }
            p = dense.count
            positions[prefix] = p
            dense.append([])
            (lastPrefix, lastPosition) = (prefix, p)
        }
        if counter < dense[p].count {
            dense[p][counter] = at.nanoseconds
        } else if UInt64(counter - dense[p].count) <= Self.maxGap {
            while dense[p].count < counter { dense[p].append(Self.absent) }
            dense[p].append(at.nanoseconds)
        } else {
            sparse[id] = at
        }
    }
}
