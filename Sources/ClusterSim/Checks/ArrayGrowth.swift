extension Array {
    /// Makes room for one more element when full, growing by a quarter of the length (at least
    /// `minimum`) instead of doubling: for the arrays the scans keep for the whole run (a value
    /// per push, per reception, per user), whose spare room under doubling was a third of them
    /// on average and is memory per client. Amortised appends stay O(1); the copies grow ~2×.
    mutating func reserveGently(minimum: Int = 4) {
        if count == capacity { reserveCapacity(count + Swift.max(minimum, count / 4)) }
    }
}

extension Array {
    /// Appends `element`, growing gently (`reserveGently`) when full.
    mutating func appendGently(_ element: Element) {
        reserveGently()
        append(element)
    }
}
