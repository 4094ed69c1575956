import Glibc
import Synchronization

/// Readiness conditions of a descriptor in an `EPoll` set (the kernel's `EPOLL*` bits).
public struct EPollEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The kernel's bit mask.
    public let rawValue: UInt32
    /// Wraps a bit mask.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Data to read, a connection to accept, or end of stream (`EPOLLIN`).
    public static let readable = EPollEvents(rawValue: 0x001)
    /// Room to write, or a non-blocking connect finished (`EPOLLOUT`).
    public static let writable = EPollEvents(rawValue: 0x004)
    /// An error is pending on the descriptor (`EPOLLERR`; always reported).
    public static let error = EPollEvents(rawValue: 0x008)
    /// Both directions closed (`EPOLLHUP`; always reported).
    public static let hangup = EPollEvents(rawValue: 0x010)
    /// The peer closed its writing half (`EPOLLRDHUP`).
    public static let readHangup = EPollEvents(rawValue: 0x2000)
    /// Report once, then disarm until `modify` (`EPOLLONESHOT`).
    public static let oneShot = EPollEvents(rawValue: 1 << 30)
    /// Report changes of readiness only, not readiness itself (`EPOLLET`): read and write
    /// until `.wouldBlock` before waiting again.
    public static let edgeTriggered = EPollEvents(rawValue: 1 << 31)

    /// The names of the set bits, e.g. `[readable, hangup]`.
    public var description: String {
        let names: [(EPollEvents, String)] = [
            (.readable, "readable"), (.writable, "writable"), (.error, "error"), (.hangup, "hangup"),
            (.readHangup, "readHangup"), (.oneShot, "oneShot"), (.edgeTriggered, "edgeTriggered"),
        ]
        return "[" + names.filter { contains($0.0) }.map(\.1).joined(separator: ", ") + "]"
    }
}

/// One readiness report from `EPoll.wait`: the token given at registration and what happened.
public struct EPollEvent: Hashable, Sendable {
    /// The caller's token for the descriptor (given to `register`/`modify`).
    public var token: UInt64
    /// What the descriptor is ready for.
    public var events: EPollEvents

    /// Makes a report.
    public init(token: UInt64, events: EPollEvents) {
        self.token = token
        self.events = events
    }
}

/// A Linux epoll instance: a set of descriptors to watch, each with a caller-chosen token.
///
/// `register`, `modify` and `unregister` may be called from any thread; `wait` from one thread
/// at a time (it reuses one buffer). Closing a descriptor removes it from the set by itself.
public final class EPoll: @unchecked Sendable {
    /// The epoll descriptor.
    public let fd: Int32
    /// Most reports one `wait` returns.
    public let maxEvents: Int
    private let buffer: UnsafeMutableRawPointer
    private let closed = Atomic<Bool>(false)

    /// Makes an empty set.
    /// - Throws: `SocketError` when the kernel refuses (e.g. too many open files).
    public init(maxEvents: Int = 256) throws {
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
    public func register(fd: Int32, events: EPollEvents, token: UInt64) throws {
        try control(LinuxCalls.epollCtlAdd, "register", fd: fd, events: events, token: token)
    }

    /// Changes what `fd` is watched for, and its token.
    /// - Throws: `SocketError` (e.g. `ENOENT` when not registered).
    public func modify(fd: Int32, events: EPollEvents, token: UInt64) throws {
        try control(LinuxCalls.epollCtlMod, "modify", fd: fd, events: events, token: token)
    }

    /// Stops watching `fd`.
    /// - Throws: `SocketError` (e.g. `ENOENT` when not registered).
    public func unregister(fd: Int32) throws {
        try control(LinuxCalls.epollCtlDel, "unregister", fd: fd, events: [], token: 0)
    }

    /// Waits until a watched descriptor is ready or the timeout passes, and puts the reports in
    /// `events` (replacing what it held).
    /// - Parameter timeoutMilliseconds: -1 waits without limit, 0 polls.
    /// - Returns: the number of reports (0 on timeout or when interrupted by a signal).
    /// - Throws: `SocketError` when the set is closed or broken.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32, into events: inout [EPollEvent]) throws -> Int {
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
    public func close() {
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
