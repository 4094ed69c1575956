/// The set of pending timer ids of a run, as a bitmap: ids are handed out in increasing order
/// from 1, so membership is one bit and no id is ever hashed.
///
/// Words below the lowest pending id are dropped as timers fire, so the bitmap spans only the
/// ids still pending (a long timer keeps its word, and the words after it, alive).
struct TimerSet {
    private var words: [UInt64] = []
    /// The id of bit 0 of `words[0]` (a multiple of 64).
    private var base: UInt64 = 0
    /// Words at the front that hold no pending id.
    private var emptyFront = 0

    /// Adds `id`, which must be above every id removed so far.
    mutating func insert(_ id: UInt64) {
        let w = Int((id - base) >> 6)
        if w >= words.count { words.append(contentsOf: repeatElement(0, count: w + 1 - words.count)) }
        words[w] |= 1 << (id & 63)
        if w < emptyFront { emptyFront = w }
    }

    /// Removes `id`.
    /// - Returns: whether it was pending.
    mutating func remove(_ id: UInt64) -> Bool {
        guard id >= base else { return false }
        let w = Int((id - base) >> 6)
        guard w < words.count else { return false }
        let bit: UInt64 = 1 << (id & 63)
        guard words[w] & bit != 0 else { return false }
        words[w] &= ~bit
        if w == emptyFront { compact() }
        return true
    }

    /// Whether `id` is pending.
    func contains(_ id: UInt64) -> Bool {
        guard id >= base else { return false }
        let w = Int((id - base) >> 6)
        return w < words.count && words[w] & (1 << (id & 63)) != 0
    }

    /// Skips empty words at the front; drops them once they are many.
    private mutating func compact() {
        while emptyFront < words.count, words[emptyFront] == 0 { emptyFront += 1 }
        // The last word stays: the next id may fall in it.
        let drop = min(emptyFront, words.count - 1)
        if drop >= 1024, drop * 2 >= words.count {
            words.removeFirst(drop)
            base += UInt64(drop) << 6
            emptyFront -= drop
        }
    }
}
