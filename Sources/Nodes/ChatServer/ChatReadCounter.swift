import Foundation
import Synchronization

/// The bytes a chat server has read from its clients, which a thread may wait on
/// (`ChatServer.waitForBytesRead`). An event loop adds after each read: one atomic add, and a
/// wake-up only while someone waits.
final class ChatReadCounter: Sendable {
    private let total = Atomic<Int>(0)
    private let waiters = Atomic<Int>(0)
    private let changed = NSCondition()

    /// Bytes read so far.
    var value: Int { total.load(ordering: .acquiring) }

    /// Counts `count` bytes just read.
    func add(_ count: Int) {
        total.add(count, ordering: .releasing)
        guard waiters.load(ordering: .acquiring) > 0 else { return }
        changed.lock()
        changed.broadcast()
        changed.unlock()
    }

    /// Waits until at least `bytes` were read, or until `deadline`.
    /// - Returns: whether the count was reached.
    func wait(atLeast bytes: Int, until deadline: Date) -> Bool {
        waiters.add(1, ordering: .acquiringAndReleasing)
        defer { waiters.subtract(1, ordering: .acquiringAndReleasing) }
        changed.lock()
        defer { changed.unlock() }
        while value < bytes {
            if !changed.wait(until: deadline) { return value >= bytes }
        }
        return true
    }
}
