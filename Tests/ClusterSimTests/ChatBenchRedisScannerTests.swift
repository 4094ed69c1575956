@testable import simctl
import Testing

/// The load generator's RESP2 reader (`simctl bench chat --server redis`): what Redis sends a
/// subscriber and a publisher, whole or cut at any byte.
@Suite("simctl: bench chat's RESP2 scanner")
struct ChatBenchRedisScannerTests {
    /// A subscribe confirmation, two pushed messages, a PUBLISH reply: in the order Redis writes them.
    static let stream = Array(("*3\r\n$9\r\nsubscribe\r\n$7\r\nbench-3\r\n:1\r\n"
        + "*3\r\n$7\r\nmessage\r\n$7\r\nbench-3\r\n$12\r\n3:17:xxxxxxx\r\n"
        + ":9\r\n"
        + "*3\r\n$7\r\nmessage\r\n$7\r\nbench-3\r\n$10\r\n3:18:xxxxx\r\n").utf8)

    static func kinds(_ items: [ChatBenchFrameScanner.Item]) -> [String] {
        items.map { item in
            switch item {
            case .chat(let room, let seq): "chat \(room):\(seq)"
            case .other: "other"
            case .malformed: "malformed"
            }
        }
    }

    /// Feeds `bytes` cut at `cut` and collects every item.
    static func scan(_ bytes: [UInt8], cut: Int) -> [ChatBenchFrameScanner.Item] {
        var scanner = ChatBenchFrameScanner(wire: .redis)
        var items: [ChatBenchFrameScanner.Item] = []
        for part in [bytes[..<cut], bytes[cut...]] {
            Array(part).withUnsafeBytes { scanner.append($0) }
            while let item = scanner.next() { items.append(item) }
        }
        return items
    }

    @Test("pushed messages give their room and sequence; confirmations and replies are other, at every cut")
    func everyCut() {
        for cut in 0...Self.stream.count {
            #expect(Self.kinds(Self.scan(Self.stream, cut: cut)) == ["other", "chat 3:17", "other", "chat 3:18"], "cut at \(cut)")
        }
    }

    @Test("an error reply, a pushed text that is not a bench text, and bytes that are not RESP are malformed")
    func malformed() {
        let bytes = Array(("-ERR unknown command\r\n*3\r\n$7\r\nmessage\r\n$7\r\nbench-1\r\n$5\r\nhello\r\n+OK\r\n").utf8)
        #expect(Self.kinds(Self.scan(bytes, cut: 0)) == ["malformed", "malformed", "other"])
        #expect(Self.kinds(Self.scan(Array("HTTP/1.1 400\r\n".utf8), cut: 0)) == ["malformed"])
    }

    @Test("a 'message' push is told from other three-element arrays by its first element")
    func onlyMessages() {
        let bytes = Array(("*3\r\n$7\r\nmassage\r\n$7\r\nbench-1\r\n$10\r\n1:2:xxxxxx\r\n").utf8)
        #expect(Self.kinds(Self.scan(bytes, cut: 0)) == ["other"])
    }

    @Test("PUBLISH is sent as a RESP2 array of bulk strings")
    func publish() {
        #expect(String(decoding: RESP.command(["PUBLISH", RESP.channel(2), "2:0:xx"]), as: UTF8.self)
                == "*3\r\n$7\r\nPUBLISH\r\n$7\r\nbench-2\r\n$6\r\n2:0:xx\r\n")
    }
}
