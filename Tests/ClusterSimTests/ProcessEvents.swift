import Foundation
import Glibc

// Events about other processes, for tests that wait on them without polling: a process's exit
// (a pidfd, readable once it ended: it works for processes that are not our children) and the
// start of a program (inotify's IN_OPEN on its executable, which every exec of it opens).
// Swift's Glibc module imports neither `sys/pidfd.h` nor `sys/inotify.h`: the calls are looked
// up in the C library, as `LinuxCalls` does for epoll.

/// The Linux calls these waits need, resolved once.
enum ProcessEventCalls {
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias InotifyInit1 = @convention(c) (Int32) -> Int32
    typealias InotifyAddWatch = @convention(c) (Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// The resolved entry points.
    struct Table: @unchecked Sendable {
        let pidfdOpen: PidfdOpen
        let inotifyInit1: InotifyInit1
        let inotifyAddWatch: InotifyAddWatch
    }

    /// Resolved on first use (glibc 2.36 has all three).
    static let table: Table = {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<F>(_ name: String, as _: F.Type) -> F {
            guard let pointer = dlsym(handle, name) else { fatalError("the C library has no \(name)") }
            return unsafeBitCast(pointer, to: F.self)
        }
        return Table(pidfdOpen: symbol("pidfd_open", as: PidfdOpen.self),
                     inotifyInit1: symbol("inotify_init1", as: InotifyInit1.self),
                     inotifyAddWatch: symbol("inotify_add_watch", as: InotifyAddWatch.self))
    }()

    /// `IN_OPEN` of <sys/inotify.h>.
    static let inOpen: UInt32 = 0x20
    /// `IN_CLOEXEC` / `IN_NONBLOCK` of <sys/inotify.h>.
    static let inCloexec: Int32 = 0o2000000, inNonblock: Int32 = 0o4000
}

/// Milliseconds left until `deadline` (0 when past), for poll(2).
private func millisecondsLeft(until deadline: Date) -> Int32 {
    Int32(clamping: max(0, Int((deadline.timeIntervalSinceNow * 1000).rounded(.up))))
}

/// Waits until `fd` is readable or `deadline` passes, woken by the descriptor itself.
/// - Returns: whether it became readable.
private func waitReadable(_ fd: Int32, until deadline: Date) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while true {
        let n = poll(&entry, 1, millisecondsLeft(until: deadline))
        if n > 0 { return true }
        if n == 0 { return false }
        if errno != EINTR { return false }
    }
}

/// Waits until every process in `pids` has ended, at most until `deadline` (one pidfd each; a
/// process already gone counts as ended).
/// - Returns: whether they all ended in time.
func awaitExit(of pids: [Int32], until deadline: Date) -> Bool {
    for pid in pids {
        let fd = ProcessEventCalls.table.pidfdOpen(pid, 0)
        guard fd >= 0 else { continue }  // ESRCH: gone already
        defer { close(fd) }
        guard waitReadable(fd, until: deadline) else { return false }
    }
    return true
}

/// Wakes a waiter each time any process starts the program at a path (an exec opens its file):
/// a condition on the processes of the machine is checked again at each start, not on a timer.
final class ProgramStarts {
    private let fd: Int32

    /// Watches the executable at `path` (symbolic links followed).
    init(of path: String) throws {
        fd = ProcessEventCalls.table.inotifyInit1(ProcessEventCalls.inCloexec | ProcessEventCalls.inNonblock)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard ProcessEventCalls.table.inotifyAddWatch(fd, path, ProcessEventCalls.inOpen) >= 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Waits up to `seconds` until `condition` holds, checking it now and after each start of
    /// the program. - Returns: whether it held.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !condition() {
            guard waitReadable(fd, until: deadline) else { return condition() }
            _ = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }  // drain; the events say only "again"
        }
        return true
    }
}

/// Reads up to the first newline of `handle`'s descriptor, at most until `seconds` pass (poll(2)
/// on the descriptor, no sleep).
/// - Returns: what was read (empty at end of file), or nil when no full line came in time.
func firstLine(of handle: FileHandle, within seconds: Double) -> Data? {
    let deadline = Date(timeIntervalSinceNow: seconds)
    var line = Data()
    var byte: UInt8 = 0
    while true {
        guard waitReadable(handle.fileDescriptor, until: deadline) else { return nil }
        let n = read(handle.fileDescriptor, &byte, 1)
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return line }
        line.append(byte)
        if byte == UInt8(ascii: "\n") { return line }
    }
}
