import Glibc

/// The Linux calls that Swift's Glibc module does not import (`sys/epoll.h`, `sys/eventfd.h`
/// and the GNU `accept4` are not in it, and this package may not add a C target): looked up
/// once in the C library with `dlsym`, with the kernel's constants and struct layout written out.
enum LinuxCalls {
    typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    typealias EpollCtl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    typealias Accept4 = @convention(c) (Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int32

    /// The resolved entry points.
    struct Table: @unchecked Sendable {
        let epollCreate1: EpollCreate1
        let epollCtl: EpollCtl
        let epollWait: EpollWait
        let eventFD: EventFD
        let accept4: Accept4
    }

    /// Resolved on first use; a C library without these symbols is not Linux, and stops here.
    static let table: Table = {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<F>(_ name: String, as _: F.Type) -> F {
            guard let pointer = dlsym(handle, name) else {
                fatalError("the C library has no \(name): the TCP transport needs Linux epoll")
            }
            return unsafeBitCast(pointer, to: F.self)
        }
        return Table(
            epollCreate1: symbol("epoll_create1", as: EpollCreate1.self),
            epollCtl: symbol("epoll_ctl", as: EpollCtl.self),
            epollWait: symbol("epoll_wait", as: EpollWait.self),
            eventFD: symbol("eventfd", as: EventFD.self),
            accept4: symbol("accept4", as: Accept4.self)
        )
    }()

    // <sys/epoll.h>
    static let epollCloexec: Int32 = 0o2000000
    static let epollCtlAdd: Int32 = 1
    static let epollCtlDel: Int32 = 2
    static let epollCtlMod: Int32 = 3

    // <sys/eventfd.h>
    static let eventFDCloexec: Int32 = 0o2000000
    static let eventFDNonblock: Int32 = 0o4000

    /// `struct epoll_event` is packed (12 bytes) on x86-64 and naturally aligned elsewhere.
    #if arch(x86_64)
    static let epollEventSize = 12
    static let epollDataOffset = 4
    #else
    static let epollEventSize = 16
    static let epollDataOffset = 8
    #endif
}
