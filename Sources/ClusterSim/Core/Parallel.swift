import Dispatch
import Synchronization

/// Work spread over the machine's cores whose result does not depend on how it was spread.
enum Parallel {
    /// `transform` applied to every element of `items`, on several threads at once.
    ///
    /// Each result is stored at its element's position, so the returned array is exactly
    /// `items.map(transform)` whatever the threads' timing: use it only for pure transforms
    /// (no shared mutable state, no trace or clock).
    /// - Returns: the results in `items`' order.
    static func map<T: Sendable>(_ items: Range<Int>, _ transform: @Sendable (Int) -> T) -> [T] {
        guard items.count > 1 else { return items.map(transform) }
        let slots = Mutex<[T?]>(Array(repeating: nil, count: items.count))
        DispatchQueue.concurrentPerform(iterations: items.count) { offset in
            let value = transform(items.lowerBound + offset)
            slots.withLock { $0[offset] = value }
        }
        return slots.withLock { $0.map { $0! } }
    }
}
