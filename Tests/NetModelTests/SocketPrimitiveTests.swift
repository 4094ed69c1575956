import Foundation
import Glibc
import Testing
@testable import NetModel

/// Waits (up to `timeoutMilliseconds` in all) until `token` is reported with any of `wanted`.
/// - Returns: the events reported for `token`, or nil on timeout.
private func waitFor(
    _ token: UInt64, _ wanted: EPollEvents, on epoll: EPoll, timeoutMilliseconds: Int32 = 5_000
) throws -> EPollEvents? {
    var events: [EPollEvent] = []
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
    while ContinuousClock.now < deadline {
        try epoll.wait(timeoutMilliseconds: 100, into: &events)
        if let hit = events.first(where: { $0.token == token && !$0.events.isDisjoint(with: wanted) }) {
            return hit.events
        }
    }
    return nil
}

/// A listener, a connected client and the accepted server side, on loopback.
private struct ConnectedPair {
    let listener: Socket
    let client: Socket
    let server: Socket

    static func make() throws -> ConnectedPair {
        let listener = try Socket.listen(on: .loopback())
        let client = try Socket.connect(to: try listener.localAddress)
        let epoll = try EPoll()
        try epoll.register(fd: listener.fd, events: .readable, token: 1)
        try epoll.register(fd: client.fd, events: .writable, token: 2)
        _ = try #require(try waitFor(1, .readable, on: epoll))
        let server = try #require(try listener.accept())
        _ = try #require(try waitFor(2, .writable, on: epoll))
        try client.finishConnect()
        return ConnectedPair(listener: listener, client: client, server: server)
    }

    func close() {
        client.close()
        server.close()
        listener.close()
    }
}

/// Reads exactly `count` bytes from `socket`, waiting on epoll (bounded by 5 s).
private func readExactly(_ count: Int, from socket: Socket) throws -> [UInt8] {
    let epoll = try EPoll()
    try epoll.register(fd: socket.fd, events: .readable, token: 9)
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while out.count < count {
        let result = try chunk.withUnsafeMutableBytes { try socket.read(into: $0) }
        switch result {
        case .bytes(let n): out += chunk[..<n]
        case .wouldBlock: _ = try #require(try waitFor(9, .readable, on: epoll))
        case .closed: return out
        }
    }
    return out
}

@Suite("Socket primitives: addresses, sockets, epoll, wakeup (real loopback)")
struct SocketPrimitiveTests {
    @Test("readableOrClosed is the set of readable, hangup and error")
    func readableOrClosed() {
        #expect(EPollEvents.readableOrClosed == [.readable, .hangup, .error])
        #expect(EPollEvents.readableOrClosed.isDisjoint(with: [.writable, .readHangup, .oneShot, .edgeTriggered]))
    }

    @Test("HOST:PORT parses, and localhost means 127.0.0.1")
    func parseAddress() throws {
        #expect(try SocketAddress(parsing: "127.0.0.1:7000") == SocketAddress(host: "127.0.0.1", port: 7000))
        #expect(try SocketAddress(parsing: "localhost:0") == .loopback())
        #expect(try SocketAddress(parsing: "0.0.0.0:65535").description == "0.0.0.0:65535")
    }

    @Test("a bad HOST:PORT gets an error naming what is wrong", arguments: [
        ("127.0.0.1", "no ':'"), (":80", "empty host"), ("127.0.0.1:", "port must be"),
        ("127.0.0.1:65536", "port must be"), ("127.0.0.1:-1", "port must be"),
        ("example.com:80", "not an IPv4 address"), ("1.2.3:80", "not an IPv4 address"),
    ])
    func badAddress(text: String, reason: String) {
        #expect {
            try SocketAddress(parsing: text)
        } throws: { error in
            let description = "\(error)"
            return description.contains(reason) && description.contains(text)
        }
    }

    @Test("listening on port 0 gets a real port; a client connects and bytes echo both ways")
    func echo() throws {
        let pair = try ConnectedPair.make()
        defer { pair.close() }
        #expect(try pair.listener.localAddress.port != 0)
        #expect(try pair.client.remoteAddress == pair.listener.localAddress)
        #expect(try pair.server.localAddress == pair.listener.localAddress)
        pair.client.setNoDelay()

        let message = Array("hello over loopback".utf8)
        #expect(try message.withUnsafeBytes { try pair.client.write($0) } == message.count)
        let received = try readExactly(message.count, from: pair.server)
        #expect(received == message)
        #expect(try received.withUnsafeBytes { try pair.server.write($0) } == received.count)
        #expect(try readExactly(message.count, from: pair.client) == message)
    }

    @Test("nothing pending: accept gives nil, read gives wouldBlock")
    func wouldBlockReadAndAccept() throws {
        let pair = try ConnectedPair.make()
        defer { pair.close() }
        #expect(try pair.listener.accept() == nil)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try pair.server.read(into: $0) } == .wouldBlock)
    }

    @Test("a peer that never reads makes write give nil (EAGAIN) once the buffers are full")
    func wouldBlockWrite() throws {
        let pair = try ConnectedPair.make()
        defer { pair.close() }
        pair.client.setBufferSizes(send: 4096)
        pair.server.setBufferSizes(receive: 4096)
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        var total = 0
        var sawWouldBlock = false
        for _ in 0..<1_000 {  // far more than any loopback buffering
            guard let n = try chunk.withUnsafeBytes({ try pair.client.write($0) }) else {
                sawWouldBlock = true
                break
            }
            total += n
        }
        #expect(sawWouldBlock)
        #expect(total > 0 && total < 1_000 * chunk.count)
    }

    @Test("an orderly close reads as .closed; writing to a closed peer throws, with no SIGPIPE")
    func peerClosed() throws {
        let pair = try ConnectedPair.make()
        defer { pair.close() }
        pair.server.close()
        #expect(try readExactly(1, from: pair.client).isEmpty)  // .closed ends the read
        let chunk = [UInt8](repeating: 1, count: 1024)
        var failure: SocketError?
        let deadline = ContinuousClock.now + .seconds(5)
        for _ in 0..<100 where failure == nil {  // the first write may still succeed (RST follows)
            do { _ = try chunk.withUnsafeBytes { try pair.client.write($0) } } catch let error as SocketError {
                failure = error
            }
            // Wait for the peer's reset (an error or hang-up on the socket) before writing again.
            if failure == nil, !awaitReady(pair.client, for: 0, until: deadline) { break }
        }
        let error = try #require(failure)
        #expect(error.isPeerGone)
        #expect(error.description.contains("write"))
    }

    @Test("connecting to a port nobody listens on fails with connection refused")
    func refused() throws {
        let listener = try Socket.listen(on: .loopback())
        let address = try listener.localAddress
        listener.close()
        do {
            let client = try Socket.connect(to: address)
            defer { client.close() }
            let epoll = try EPoll()
            try epoll.register(fd: client.fd, events: .writable, token: 1)
            _ = try #require(try waitFor(1, [.writable, .error, .hangup], on: epoll))
            #expect(throws: SocketError.self) { try client.finishConnect() }
        } catch let error as SocketError {
            #expect(error.code == ECONNREFUSED)
        }
    }

    @Test("a port in use cannot be listened on twice, and the error names the address")
    func addressInUse() throws {
        let listener = try Socket.listen(on: .loopback())
        defer { listener.close() }
        let address = try listener.localAddress
        #expect {
            try Socket.listen(on: address)
        } throws: { error in
            (error as? SocketError)?.code == EADDRINUSE && "\(error)".contains("\(address)")
        }
    }

    @Test("epoll hands back the full 64-bit token, and register/modify/unregister report misuse")
    func epollTokensAndErrors() throws {
        let wakeup = try Wakeup()
        let epoll = try EPoll()
        let token: UInt64 = 0xDEAD_BEEF_CAFE_BABE
        try epoll.register(fd: wakeup.fd, events: .readable, token: token)
        #expect(throws: SocketError.self) { try epoll.register(fd: wakeup.fd, events: .readable, token: 1) }
        wakeup.signal()
        var events: [EPollEvent] = []
        #expect(try epoll.wait(timeoutMilliseconds: 5_000, into: &events) == 1)
        #expect(events == [EPollEvent(token: token, events: .readable)])

        try epoll.modify(fd: wakeup.fd, events: .readable, token: 42)
        #expect(try epoll.wait(timeoutMilliseconds: 5_000, into: &events) == 1)
        #expect(events.map(\.token) == [42])

        try epoll.unregister(fd: wakeup.fd)
        #expect(try epoll.wait(timeoutMilliseconds: 0, into: &events) == 0)
        #expect(throws: SocketError.self) { try epoll.unregister(fd: wakeup.fd) }
        #expect(throws: SocketError.self) { try epoll.modify(fd: wakeup.fd, events: .readable, token: 1) }
    }

    @Test("edge-triggered readiness is reported once per change, level-triggered until drained")
    func edgeTriggered() throws {
        let pair = try ConnectedPair.make()
        defer { pair.close() }
        let edge = try EPoll()
        let level = try EPoll()
        try edge.register(fd: pair.server.fd, events: [.readable, .edgeTriggered], token: 1)
        try level.register(fd: pair.server.fd, events: .readable, token: 1)
        _ = try [UInt8](repeating: 3, count: 10).withUnsafeBytes { try pair.client.write($0) }
        #expect(try waitFor(1, .readable, on: edge) != nil)
        #expect(try waitFor(1, .readable, on: level) != nil)
        var events: [EPollEvent] = []
        #expect(try edge.wait(timeoutMilliseconds: 0, into: &events) == 0)
        #expect(try level.wait(timeoutMilliseconds: 0, into: &events) == 1)
    }

    @Test("another thread's signal wakes a waiting epoll; drain clears it")
    func wakeupFromAnotherThread() throws {
        let wakeup = try Wakeup()
        defer { wakeup.close() }
        let epoll = try EPoll()
        try epoll.register(fd: wakeup.fd, events: .readable, token: 5)
        // The signaller starts once this thread is about to wait; a signal that lands just
        // before the wait must wake it all the same (the descriptor stays readable).
        let waiting = DispatchSemaphore(value: 0), signalled = DispatchSemaphore(value: 0)
        let signaller = Thread {
            _ = waiting.wait(timeout: .now() + 5)
            wakeup.signal()
            wakeup.signal()
            signalled.signal()
        }
        signaller.start()
        var events: [EPollEvent] = []
        waiting.signal()
        #expect(try epoll.wait(timeoutMilliseconds: 5_000, into: &events) == 1)
        #expect(events.first?.token == 5)
        #expect(signalled.wait(timeout: .now() + 5) == .success)  // both signals have landed
        #expect(wakeup.drain() == 2)
        #expect(wakeup.drain() == 0)
        #expect(try epoll.wait(timeoutMilliseconds: 0, into: &events) == 0)
    }

    @Test("close is idempotent and the open-file limit can be raised, never lowered")
    func closeAndLimits() throws {
        let socket = try Socket.listen(on: .loopback())
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        let before = OpenFileLimit.current
        #expect(OpenFileLimit.raise(toAtLeast: 1) == before)
        #expect(OpenFileLimit.raise(toAtLeast: 4_096) >= min(4_096, before))
    }
}
