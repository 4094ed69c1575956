/// The 4-ary min-heap operations of `EventHeap` on its keys, in place: the children of `i` are
/// `4i + 1 ... 4i + 4`, so one level's comparisons read 64 contiguous bytes.
extension UnsafeMutableBufferPointer where Element == UInt128 {
    /// Moves the last key up to its place.
    @inline(__always)
    func siftUpLast() {
        siftUp(self[count - 1], from: count - 1)
    }

    /// Puts `key` in the hole at `hole`, moving it up past every parent it precedes.
    @inline(__always)
    func siftUp(_ key: UInt128, from hole: Int) {
        var i = hole
        while i > 0 {
            let parent = (i - 1) >> 2
            guard key < self[parent] else { break }
            self[i] = self[parent]
            i = parent
        }
        self[i] = key
    }

    /// Takes the top away and puts `last` (the key removed from the end) in its place.
    /// Bottom-up: walks the hole down along the smallest children to a leaf, then sifts `last`
    /// up from there — fewer comparisons than testing `last` at every level.
    @inline(__always)
    func replaceTop(with last: UInt128) {
        let n = count
        guard n > 0 else { return }
        var i = 0
        while true {
            let first = 4 * i + 1
            var c: Int
            if first + 3 < n {
                // All four children (the common case): a small tournament, no loop.
                let left = self[first + 1] < self[first] ? first + 1 : first
                let right = self[first + 3] < self[first + 2] ? first + 3 : first + 2
                c = self[right] < self[left] ? right : left
            } else {
                if first >= n { break }
                c = first
                for j in first + 1 ..< n where self[j] < self[c] { c = j }
            }
            self[i] = self[c]
            i = c
        }
        siftUp(last, from: i)
    }

    /// Puts keys in any order into heap order (Floyd's construction: every internal node sifted
    /// down, the last one first).
    func heapify() {
        let n = count
        guard n > 1 else { return }
        var start = (n - 2) >> 2
        while start >= 0 {
            let e = self[start]
            var i = start
            while true {
                let first = 4 * i + 1
                if first >= n { break }
                var c = first
                for j in first + 1 ..< Swift.min(first + 4, n) where self[j] < self[c] { c = j }
                guard self[c] < e else { break }
                self[i] = self[c]
                i = c
            }
            self[i] = e
            start -= 1
        }
    }
}
