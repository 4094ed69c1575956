import Glibc
import Testing
@testable import NetModel

/// The parts every server's event loop is made of, as values and over real loopback sockets.
@Suite("Socket reactor parts: deadlines, outbound buffer, read budget (the descriptor limit: SimctlChatLimitsTests)")
struct SocketReactorPartsTests {
    @Test("the idle timeout counts from the last input; the partial-frame timeout from a frame's first byte")
    func deadlines() {
        var d = ConnectionDeadlines(idleTimeout: 1_000, partialFrameTimeout: 300, now: 0)
        #expect(d.expiry(at: 999) == nil)
        #expect(d.expiry(at: 1_000)?.hasPrefix("idle timeout") == true)
        d.didRead(at: 500, hasPartialFrame: true)
        #expect(d.expiry(at: 799) == nil)
        d.didRead(at: 700, hasPartialFrame: true)  // a byte a while: the frame still started at 500
        #expect(d.expiry(at: 800)?.hasPrefix("partial-frame timeout") == true)
        d.didRead(at: 790, hasPartialFrame: false)
        #expect(d.expiry(at: 1_500) == nil)
        #expect(d.expiry(at: 1_790)?.hasPrefix("idle timeout") == true)
        let never = ConnectionDeadlines(idleTimeout: nil, partialFrameTimeout: nil, now: 0)
        #expect(never.expiry(at: .max / 2) == nil)
    }

    @Test("the outbound buffer keeps unwritten bytes in order and writes them to a socket")
    func outbound() throws {
        let listener = try Socket.listen(on: .loopback())
        let client = try Socket.connect(to: SocketAddress.loopback(port: try listener.localAddress.port))
        // Wait for the connection to arrive (epoll, bounded), then take it.
        #expect(try listener.waitUntil(.readable, timeoutMilliseconds: 5_000))
        let server = try #require(try listener.accept())
        var buffer = OutboundBuffer(limit: 4)
        buffer.append([1, 2, 3])
        buffer.appendInPlace { $0.append(contentsOf: [4, 5]) }
        #expect(buffer.isOverLimit)
        #expect(try buffer.write(to: server) == 5)
        #expect(buffer.isEmpty)
        var got = [UInt8](repeating: 0, count: 16)
        var n = 0
        for _ in 0..<5 where n < 5 {
            let result = try got.withUnsafeMutableBytes {
                try client.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[n...]), waitingUpTo: 5_000)
            }
            guard case .bytes(let k) = result else { break }
            n += k
        }
        #expect(Array(got[..<n]) == [1, 2, 3, 4, 5])
        client.close()
        server.close()
        listener.close()
    }

    @Test("the reader checks the input budget before every read and stops at its quota")
    func readBudget() throws {
        let listener = try Socket.listen(on: .loopback())
        let client = try Socket.connect(to: SocketAddress.loopback(port: try listener.localAddress.port))
        // Wait for the connection to arrive (epoll, bounded), then take it.
        #expect(try listener.waitUntil(.readable, timeoutMilliseconds: 5_000))
        let server = try #require(try listener.accept())
        _ = try [UInt8](repeating: 7, count: 4_096).withUnsafeBytes { try client.write($0) }
        #expect(try server.waitUntil(.readable, timeoutMilliseconds: 5_000))
        let reader = SocketReader(chunk: 512, maxReads: 3)
        defer { reader.deallocate() }
        var chunks = 0
        let budgeted = reader.read(server, mayRead: { chunks < 2 }, consume: { _ in chunks += 1; return true })
        #expect(chunks == 2)
        #expect(budgeted.bytes == 1_024)
        if case .budget = budgeted.stop {} else { Issue.record("expected .budget, got \(budgeted.stop)") }
        let quota = reader.read(server, mayRead: { true }, consume: { _ in true })
        if case .quota = quota.stop {} else { Issue.record("expected .quota, got \(quota.stop)") }
        #expect(quota.bytes == 1_536)
        client.close()
        server.close()
        listener.close()
    }
}
