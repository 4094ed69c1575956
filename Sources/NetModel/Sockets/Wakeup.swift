import Glibc
import Synchronization

/// An `eventfd` that lets any thread wake a thread blocked in `EPoll.wait`: register `fd` for
/// `.readable`, call `signal()` from elsewhere, and `drain()` when it reports readable.
/// Several signals before a drain wake the waiter once.
package final class Wakeup: Sendable {
    /// The event descriptor to register with an `EPoll`.
    package let fd: Int32
    private let closed = Atomic<Bool>(false)

    /// Makes a non-blocking, close-on-exec event descriptor.
    /// - Throws: `SocketError` when the kernel refuses (e.g. too many open files).
    package init() throws {
        let fd = LinuxCalls.table.eventFD(0, LinuxCalls.eventFDNonblock | LinuxCalls.eventFDCloexec)
        guard fd >= 0 else { throw SocketError.fromErrno("eventfd") }
        self.fd = fd
    }

    deinit { close() }

    /// Makes `fd` readable (safe from any thread; does nothing after `close()`).
    package func signal() {
        guard !closed.load(ordering: .acquiring) else { return }
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, MemoryLayout<UInt64>.size)
    }

    /// Clears the pending signals so `fd` is no longer readable.
    /// - Returns: how many signals were pending (0 when none).
    @discardableResult
    package func drain() -> UInt64 {
        var count: UInt64 = 0
        let n = Glibc.read(fd, &count, MemoryLayout<UInt64>.size)
        return n == MemoryLayout<UInt64>.size ? count : 0
    }

    /// Closes the descriptor; later calls do nothing.
    package func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        _ = Glibc.close(fd)
    }
}
