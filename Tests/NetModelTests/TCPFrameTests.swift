import Testing
@testable import NetModel

@Suite("TCP frames: encoding, decoding at any read boundary, bad input, back-off")
struct TCPFrameTests {
    /// Frames of every kind, with bodies of several sizes (empty, small, a few KB).
    static let sample: [TCPFrame] = [
        TCPFrame(kind: .hello, body: Array("hello-body".utf8)),
        TCPFrame(kind: .message, messageID: 1, body: [1, 2, 3]),
        TCPFrame(kind: .streamOpen, streamID: 7),
        TCPFrame(kind: .streamMessage, streamID: 7, messageID: 2, body: (0..<3_000).map { UInt8($0 % 251) }),
        TCPFrame(kind: .streamMessage, streamID: (1 << 63) | 3, messageID: .max, body: []),
        TCPFrame(kind: .streamClose, code: StreamCloseReason.peerCrashed.wireCode, streamID: 7),
        TCPFrame(kind: .message, messageID: 3, body: [0xFF]),
    ]

    static var sampleBytes: [UInt8] { sample.flatMap(\.encoded) }

    @Test("the header is 22 bytes, big-endian, laid out as documented")
    func headerLayout() {
        let bytes = TCPFrame(kind: .streamMessage, code: 4, streamID: 0x0102_0304_0506_0708,
                             messageID: 0x1112_1314_1516_1718, body: [0xAA, 0xBB]).encoded
        #expect(bytes == [0, 0, 0, 20, 4, 4, 1, 2, 3, 4, 5, 6, 7, 8,
                          0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0xAA, 0xBB])
    }

    @Test("many frames in one read decode to the frames sent, in order")
    func manyInOneRead() throws {
        var decoder = TCPFrameDecoder(maxFrameSize: 1 << 20)
        decoder.append(Self.sampleBytes)
        var out: [TCPFrame] = []
        while let frame = try decoder.next() { out.append(frame) }
        #expect(out == Self.sample)
        #expect(decoder.bufferedCount == 0)
    }

    @Test("a stream split at every byte boundary decodes the same")
    func everySplit() throws {
        let bytes = Self.sampleBytes
        for split in 0...bytes.count {
            var decoder = TCPFrameDecoder(maxFrameSize: 1 << 20)
            var out: [TCPFrame] = []
            decoder.append(Array(bytes[..<split]))
            while let frame = try decoder.next() { out.append(frame) }
            decoder.append(Array(bytes[split...]))
            while let frame = try decoder.next() { out.append(frame) }
            #expect(out == Self.sample, "split at \(split)")
        }
    }

    @Test("a stream fed one byte at a time decodes the same")
    func byteByByte() throws {
        var decoder = TCPFrameDecoder(maxFrameSize: 1 << 20)
        var out: [TCPFrame] = []
        for byte in Self.sampleBytes {
            decoder.append([byte])
            while let frame = try decoder.next() { out.append(frame) }
        }
        #expect(out == Self.sample)
    }

    @Test("an oversized length is refused from its 4 length bytes, before any body arrives")
    func oversized() throws {
        var decoder = TCPFrameDecoder(maxFrameSize: 1_000)
        decoder.append([0, 0, 0x03, 0xE9])  // 1001
        #expect(throws: TCPFrameError(kind: .oversized, value: 1_001, limit: 1_000)) { try decoder.next() }
        var exact = TCPFrameDecoder(maxFrameSize: 1_000)
        exact.append([0, 0, 0x03, 0xE8])  // 1000: allowed, waits for the rest
        #expect(try exact.next() == nil)
    }

    @Test("a length shorter than the header, or an unknown kind, is refused")
    func garbage() {
        var short = TCPFrameDecoder(maxFrameSize: 1 << 20)
        short.append([0, 0, 0, 17])
        #expect(throws: TCPFrameError(kind: .truncatedHeader, value: 17)) { try short.next() }
        var unknown = TCPFrameDecoder(maxFrameSize: 1 << 20)
        unknown.append([0, 0, 0, 18, 9])
        #expect(throws: TCPFrameError(kind: .unknownKind, value: 9)) { try unknown.next() }
        var text = TCPFrameDecoder(maxFrameSize: 1 << 20)
        text.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))  // "GET " is a 1.2 GB length
        #expect(throws: TCPFrameError.self) { try text.next() }
    }

    @Test("stream close reasons survive the wire code", arguments: [
        StreamCloseReason.closed, .peerCrashed, .refused, .partition, .reset,
    ])
    func closeCodes(reason: StreamCloseReason) {
        #expect(StreamCloseReason(wireCode: reason.wireCode) == reason)
    }

    @Test("reconnect delays grow from the base, stop at the cap, and jitter within [0.5, 1.5)")
    func backoff() {
        let policy = TCPBackoff(baseMilliseconds: 50, capMilliseconds: 2_000)
        var random = SeededRandom(seed: 1)
        for failures in 1...12 {
            let nominal = min(2_000, 50 << (failures - 1))
            for _ in 0..<50 {
                let delay = policy.delayMilliseconds(afterFailures: failures, random: &random)
                #expect(delay >= nominal / 2 && delay < nominal * 3 / 2 + 1, "failures \(failures)")
            }
        }
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        #expect(policy.delayMilliseconds(afterFailures: 3, random: &a)
                == policy.delayMilliseconds(afterFailures: 3, random: &b))
    }
}
