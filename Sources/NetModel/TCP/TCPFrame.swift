/// What a frame of the TCP transport carries (byte 4 of every frame).
enum TCPFrameKind: UInt8, Sendable, CaseIterable {
    /// The connecting side's first frame: who it is, whom it wants, where it listens.
    case hello = 1
    /// A one-shot message (an `Envelope`'s payload).
    case message = 2
    /// The opener starts a stream (empty body).
    case streamOpen = 3
    /// A message on an open stream.
    case streamMessage = 4
    /// One end closed a stream; byte 5 carries the `StreamCloseReason` code.
    case streamClose = 5
    /// With authentication: the connecting node's first frame (`TCPNodeHello`, with its nonce).
    case nodeHello = 6
    /// With authentication: the acceptor's answer (`TCPNodeChallenge`: its nonce and proof).
    case challenge = 7
    /// With authentication: the connecting node's proof (`TCPNodeProof`); MAC'd frames follow.
    case proof = 8
}

/// One frame of the TCP transport. On the wire (all integers big-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | length L: the bytes after this field (18 + body size) |
/// | 4 | 1 | kind (`TCPFrameKind`) |
/// | 5 | 1 | code: the close reason of a `streamClose`, else 0 |
/// | 6 | 8 | stream id (0 when the frame is not about a stream) |
/// | 14 | 8 | message id |
/// | 22 | L − 18 | body: the encoded payload, or the hello |
struct TCPFrame: Equatable, Sendable {
    /// Bytes before the body, the length field included.
    static let headerSize = 22
    /// Bytes of the header that the length field counts.
    static let headerAfterLength = 18

    var kind: TCPFrameKind
    var code: UInt8 = 0
    var streamID: UInt64 = 0
    var messageID: UInt64 = 0
    var body: [UInt8] = []

    /// Appends this frame's bytes to `out`.
    func encode(into out: inout [UInt8]) {
        TCPFrame.appendHeader(kind: kind, code: code, streamID: streamID, messageID: messageID,
                              bodyCount: body.count, to: &out)
        out.append(contentsOf: body)
    }

    /// The frame's bytes.
    var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(TCPFrame.headerSize + body.count)
        encode(into: &out)
        return out
    }

    /// Appends a header for a body of `bodyCount` bytes, which the caller appends next.
    static func appendHeader(
        kind: TCPFrameKind, code: UInt8 = 0, streamID: UInt64, messageID: UInt64, bodyCount: Int,
        to out: inout [UInt8]
    ) {
        appendBigEndian(UInt32(headerAfterLength + bodyCount), to: &out)
        out.append(kind.rawValue)
        out.append(code)
        appendBigEndian(streamID, to: &out)
        appendBigEndian(messageID, to: &out)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var v = value.bigEndian
        withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
    }
}

/// A byte stream that is not a sequence of valid frames; the connection carrying it is closed.
struct TCPFrameError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What was wrong.
    enum Kind: String, Sendable {
        /// The length field exceeds the configured maximum frame size.
        case oversized = "oversized frame"
        /// The length field is shorter than the fixed header.
        case truncatedHeader = "frame shorter than its header"
        /// Byte 4 is not a known `TCPFrameKind`.
        case unknownKind = "unknown frame kind"
    }

    var kind: Kind
    /// The offending value (the length or the kind byte).
    var value: UInt64
    /// The limit in force, for `oversized`.
    var limit: Int = 0

    var description: String {
        switch kind {
        case .oversized: "oversized frame: \(value) bytes, maximum \(limit)"
        case .truncatedHeader: "frame length \(value) is shorter than the \(TCPFrame.headerAfterLength)-byte header"
        case .unknownKind: "unknown frame kind \(value)"
        }
    }
}

/// Cuts a byte stream into frames, whatever the read boundaries: feed it what each read got,
/// then take frames until it has no complete one. A pure value: no I/O.
struct TCPFrameDecoder: Sendable {
    /// Largest accepted length field (bytes after it); larger is an error before any body is read.
    let maxFrameSize: Int
    private var buffer: [UInt8] = []
    private var start = 0

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Bytes received but not yet returned as frames.
    var bufferedCount: Int { buffer.count - start }

    /// Adds received bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete frame.
    /// - Returns: the frame, or nil when the buffered bytes do not hold a whole one yet.
    /// - Throws: `TCPFrameError` when the stream is not valid; nothing more can be read from it.
    mutating func next() throws(TCPFrameError) -> TCPFrame? {
        let available = buffer.count - start
        guard available >= 4 else { return nil }
        let length = buffer.withUnsafeBytes { raw in
            UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self))
        }
        guard Int(length) <= maxFrameSize else {
            throw TCPFrameError(kind: .oversized, value: UInt64(length), limit: maxFrameSize)
        }
        guard Int(length) >= TCPFrame.headerAfterLength else {
            throw TCPFrameError(kind: .truncatedHeader, value: UInt64(length))
        }
        if available >= 5, TCPFrameKind(rawValue: buffer[start + 4]) == nil {
            throw TCPFrameError(kind: .unknownKind, value: UInt64(buffer[start + 4]))
        }
        guard available >= 4 + Int(length) else { return nil }
        let frame = buffer.withUnsafeBytes { raw -> TCPFrame in
            let base = start
            return TCPFrame(
                kind: TCPFrameKind(rawValue: raw[base + 4])!,
                code: raw[base + 5],
                streamID: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base + 6, as: UInt64.self)),
                messageID: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: base + 14, as: UInt64.self)),
                body: Array(raw[(base + TCPFrame.headerSize)..<(base + 4 + Int(length))])
            )
        }
        start += 4 + Int(length)
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            start = 0
        }
        return frame
    }
}

/// The body of a hello frame (MessagePack): the connecting node, the node it wants, and where
/// the connecting node listens (nil for clients, which have no listener).
struct TCPHello: Codable, Equatable, Sendable {
    var from: NodeName
    var to: NodeName
    var listen: SocketAddress?
}

extension StreamCloseReason {
    /// The code of a `streamClose` frame.
    var wireCode: UInt8 {
        switch self {
        case .closed: 0
        case .peerCrashed: 1
        case .refused: 2
        case .partition: 3
        case .reset: 4
        }
    }

    /// The reason a `streamClose` frame's code stands for (unknown codes read as `.reset`).
    init(wireCode: UInt8) {
        switch wireCode {
        case 0: self = .closed
        case 1: self = .peerCrashed
        case 2: self = .refused
        case 3: self = .partition
        default: self = .reset
        }
    }
}
