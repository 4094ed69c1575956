import Glibc
import Synchronization

/// Readiness conditions of a descriptor in an `EPoll` set (the kernel's `EPOLL*` bits).
package struct EPollEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The kernel's bit mask.
    package let rawValue: UInt32
    /// Wraps a bit mask.
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Data to read, a connection to accept, or end of stream (`EPOLLIN`).
    package static let readable = EPollEvents(rawValue: 0x001)
    /// Room to write, or a non-blocking connect finished (`EPOLLOUT`).
    package static let writable = EPollEvents(rawValue: 0x004)
    /// An error is pending on the descriptor (`EPOLLERR`; always reported).
    package static let error = EPollEvents(rawValue: 0x008)
    /// Both directions closed (`EPOLLHUP`; always reported).
    package static let hangup = EPollEvents(rawValue: 0x010)
    /// The peer closed its writing half (`EPOLLRDHUP`).
    package static let readHangup = EPollEvents(rawValue: 0x2000)
    /// Report once, then disarm until `modify` (`EPOLLONESHOT`).
    package static let oneShot = EPollEvents(rawValue: 1 << 30)
    /// Report changes of readiness only, not readiness itself (`EPOLLET`): read and write
    /// until `.wouldBlock` before waiting again.
    package static let edgeTriggered = EPollEvents(rawValue: 1 << 31)

    /// Input to read or the end of the connection: `readable`, `hangup` or `error`. Written as a
    /// mask, not an array literal: a literal builds the set through the generic `SetAlgebra`
    /// initializer on every use (about 300 instructions per event in the chat server).
    package static var readableOrClosed: EPollEvents { EPollEvents(rawValue: 0x001 | 0x008 | 0x010) }
    /// Writable, error or hang-up (a connect finished either way), as one mask.
    package static var writableOrClosed: EPollEvents { EPollEvents(rawValue: 0x004 | 0x008 | 0x010) }

    /// The names of the set bits, e.g. `[readable, hangup]`.
    package var description: String {
        let names: [(EPollEvents, String)] = [
            (.readable, "readable"), (.writable, "writable"), (.error, "error"), (.hangup, "hangup"),
            (.readHangup, "readHangup"), (.oneShot, "oneShot"), (.edgeTriggered, "edgeTriggered"),
        ]
        return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}

/// One readiness report from `EPoll.wait`: the token given at registration and what happened.
package struct EPollEvent: Hashable, Sendable {
    /// The caller's token for the descriptor (given to `register`/`modify`).
    package var token: UInt64
    /// What the descriptor is ready for.
    package var events: EPollEvents

    /// Makes a report.
    package init(token: UInt64, events: EPollEvents) {
        self.token = token
        self.events = events
    }
}

/// A Linux epoll instance: a set of descriptors to watch, each with a caller-chosen token.
///
/// `register`, `modify` and `unregister` may be called from any thread; `wait` from one thread
/// at a time (it reuses one buffer). Closing a descriptor removes it from the set by itself.
package final class EPoll: @unchecked Sendable {
    /// The epoll descriptor.
    package let fd: Int32
    /// Most reports one `wait` returns.
    package let maxEvents: Int
    private let buffer: UnsafeMutableRawPointer
    private let closed = Atomic<Bool>(false)

    /// Makes an empty set.
    /// - Throws: `SocketError` when the kernel refuses (e.g. too many open files).
    package init(maxEvents: Int = 256) throws {
        let fd = LinuxCalls.table.epollCreate1(LinuxCalls.epollCloexec)
        guard fd >= 0 else { throw SocketError.fromErrno("epoll_create1") }
        self.fd = fd
        self.maxEvents = max(1, maxEvents)
        buffer = .allocate(byteCount: self.maxEvents * LinuxCalls.epollEventSize, alignment: 8)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Starts watching `fd` for `events`, reporting them with `token`.
    /// - Throws: `SocketError` (e.g. `EEXIST` when already registered, `EBADF`).
    package func register(fd: Int32, events: EPollEvents, token: UInt64) throws {
        try control(LinuxCalls.epollCtlAdd, "register", fd: fd, events: events, token: token)
    }

    /// Changes what `fd` is watched for, and its token.
    /// - Throws: `SocketError` (e.g. `ENOENT` when not registered).
    package func modify(fd: Int32, events: EPollEvents, token: UInt64) throws {
        try control(LinuxCalls.epollCtlMod, "modify", fd: fd, events: events, token: token)
    }

    /// Stops watching `fd`.
    /// - Throws: `SocketError` (e.g. `ENOENT` when not registered).
    package func unregister(fd: Int32) throws {
        try control(LinuxCalls.epollCtlDel, "unregister", fd: fd, events: [], token: 0)
    }

    /// Waits until a watched descriptor is ready or the timeout passes, and puts the reports in
    /// `events` (replacing what it held).
    /// - Parameter timeoutMilliseconds: -1 waits without limit, 0 polls.
    /// - Returns: the number of reports (0 on timeout or when interrupted by a signal).
    /// - Throws: `SocketError` when the set is closed or broken.
    @discardableResult
    package func wait(timeoutMilliseconds: Int32, into events: inout [EPollEvent]) throws -> Int {
        events.removeAll(keepingCapacity: true)
        let n = LinuxCalls.table.epollWait(fd, buffer, Int32(maxEvents), timeoutMilliseconds)
        if n < 0 {
            if errno == EINTR { return 0 }
            throw SocketError.fromErrno("epoll_wait")
        }
        for i in 0..<Int(n) {
            let entry = buffer + i * LinuxCalls.epollEventSize
            let bits = entry.loadUnaligned(as: UInt32.self)
            let token = entry.loadUnaligned(fromByteOffset: LinuxCalls.epollDataOffset, as: UInt64.self)
            events.append(EPollEvent(token: token, events: EPollEvents(rawValue: bits)))
        }
        return Int(n)
    }

    /// Closes the epoll descriptor; later calls do nothing.
    package func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        _ = Glibc.close(fd)
    }

    private func control(_ op: Int32, _ name: String, fd target: Int32, events: EPollEvents, token: UInt64) throws {
        var entry = (UInt64(0), UInt64(0))  // 16 bytes: room for either layout
        let rc = withUnsafeMutableBytes(of: &entry) { raw -> Int32 in
            raw.storeBytes(of: events.rawValue, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: token, toByteOffset: LinuxCalls.epollDataOffset, as: UInt64.self)
            return LinuxCalls.table.epollCtl(fd, op, target, raw.baseAddress)
        }
        guard rc == 0 else { throw SocketError.fromErrno("epoll \(name)(fd \(target))") }
    }
}
