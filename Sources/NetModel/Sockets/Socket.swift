import Glibc
import Synchronization

/// What one `Socket.read(into:)` got.
package enum ReadResult: Equatable, Sendable {
    /// This many bytes (at least 1) were read into the buffer.
    case bytes(Int)
    /// Nothing to read now (`EAGAIN`); wait for the socket to become readable.
    case wouldBlock
    /// The peer closed its side in order (end of stream).
    case closed
}

/// A non-blocking IPv4 TCP socket that owns its file descriptor and closes it exactly once
/// (on `close()` or when released).
///
/// Every socket made here is non-blocking and close-on-exec. Writes use `MSG_NOSIGNAL`, so a
/// peer that went away gives `EPIPE` as an error, never a `SIGPIPE`. Reading and writing from
/// several threads at once is the caller's business; `close()` may be called from any thread
/// and any number of times.
package final class Socket: Sendable, CustomStringConvertible {
    /// The file descriptor, for registering with `EPoll`. Meaningless after `close()`.
    package let fd: Int32
    private let closed = Atomic<Bool>(false)

    /// Takes ownership of an open socket descriptor.
    package init(owning fd: Int32) {
        self.fd = fd
    }

    deinit { close() }

    /// `socket fd N`.
    package var description: String { "socket fd \(fd)" }

    /// True once `close()` has run.
    package var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Opens a listening socket on `address` with `SO_REUSEADDR`, non-blocking.
    /// Port 0 picks a free port; `localAddress` tells which.
    /// - Returns: the listening socket.
    /// - Throws: `SocketError` when the address is not IPv4, in use, or not allowed.
    package static func listen(on address: SocketAddress, backlog: Int32 = 1024) throws -> Socket {
        var sa = try address.sockaddr(for: "listen")
        let socket = try makeTCP(operation: "listen(\(address))")
        var one: Int32 = 1
        guard setsockopt(socket.fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.fromErrno("setsockopt(SO_REUSEADDR)")
        }
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw SocketError.fromErrno("bind(\(address))") }
        guard Glibc.listen(socket.fd, backlog) == 0 else { throw SocketError.fromErrno("listen(\(address))") }
        return socket
    }

    /// Starts connecting to `address` without blocking. The connection may still be in progress
    /// when this returns: wait until the socket is writable, then call `finishConnect()`.
    /// - Returns: the socket, connected or connecting.
    /// - Throws: `SocketError` when the connection failed at once (e.g. refused on loopback).
    package static func connect(to address: SocketAddress) throws -> Socket {
        var sa = try address.sockaddr(for: "connect")
        let socket = try makeTCP(operation: "connect(\(address))")
        while true {
            let rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if rc == 0 || errno == EINPROGRESS { return socket }
            if errno != EINTR { throw SocketError.fromErrno("connect(\(address))") }
        }
    }

    /// Completes a non-blocking connect once the socket became writable.
    /// - Throws: `SocketError` with the connect's outcome (`SO_ERROR`), e.g. connection refused.
    package func finishConnect() throws {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
            throw SocketError.fromErrno("getsockopt(SO_ERROR)")
        }
        if code != 0 { throw SocketError("connect", code: code) }
    }

    /// Accepts one pending connection, non-blocking.
    /// - Returns: the new connection (non-blocking, close-on-exec), or nil when none is pending.
    /// - Throws: `SocketError` for other failures (e.g. `EMFILE`: too many open files).
    package func accept() throws -> Socket? {
        while true {
            let client = LinuxCalls.table.accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 { return Socket(owning: client) }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return nil
            case EINTR, ECONNABORTED: continue
            default: throw SocketError.fromErrno("accept")
            }
        }
    }

    /// Reads what is available, at most `buffer.count` bytes.
    /// - Returns: `.bytes(n)`, `.wouldBlock` when nothing is available, `.closed` at end of stream.
    /// - Throws: `SocketError` when the connection failed (e.g. reset by the peer).
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> ReadResult {
        guard buffer.count > 0 else { return .wouldBlock }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EINTR: continue
            default: throw SocketError.fromErrno("read(fd \(fd))")
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes now, without `SIGPIPE`.
    /// - Returns: the number of bytes written (possibly fewer than given), or nil when the
    ///   socket takes nothing now (`EAGAIN`): wait for it to become writable.
    /// - Throws: `SocketError` when the connection failed (`EPIPE`, `ECONNRESET`).
    package func write(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
        guard bytes.count > 0 else { return 0 }
        while true {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return nil
            case EINTR: continue
            default: throw SocketError.fromErrno("write(fd \(fd))")
            }
        }
    }

    /// Turns off Nagle's algorithm (`TCP_NODELAY`) so small frames leave at once.
    package func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Asks the kernel for send and receive buffers of about these sizes (it may round them).
    /// Small buffers make back-pressure show early; tests use them.
    package func setBufferSizes(send: Int32? = nil, receive: Int32? = nil) {
        if var size = send {
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if var size = receive {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Switches between blocking and non-blocking mode (sockets start non-blocking). Blocking
    /// mode suits simple clients and tests; `read`/`write` then wait instead of giving
    /// `.wouldBlock`/nil.
    /// - Throws: `SocketError` when `fcntl` fails.
    package func setBlocking(_ blocking: Bool) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { throw SocketError.fromErrno("fcntl(F_GETFL)") }
        let wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK
        guard fcntl(fd, F_SETFL, wanted) == 0 else { throw SocketError.fromErrno("fcntl(F_SETFL)") }
    }

    /// Closes the writing half (`shutdown(SHUT_WR)`): the peer reads end of stream, and this
    /// side can still read.
    package func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// The address this socket is bound to (the actual port after listening on port 0).
    package var localAddress: SocketAddress {
        get throws { try address(operation: "getsockname", call: getsockname) }
    }

    /// The address of the connected peer.
    package var remoteAddress: SocketAddress {
        get throws { try address(operation: "getpeername", call: getpeername) }
    }

    /// Closes abortively: the kernel discards unsent data and sends a reset (`SO_LINGER` 0),
    /// so a peer that stopped reading holds no more memory here. Later calls do nothing.
    package func abort() {
        guard !isClosed else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    /// Closes the descriptor; later calls do nothing.
    package func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        _ = Glibc.close(fd)
    }

    private func address(
        operation: String,
        call: (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?) -> Int32
    ) throws -> SocketAddress {
        var sa = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError.fromErrno("\(operation)(fd \(fd))") }
        return SocketAddress(sa)
    }

    private static func makeTCP(operation: String) throws -> Socket {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw SocketError.fromErrno("socket for \(operation)") }
        return Socket(owning: fd)
    }
}
