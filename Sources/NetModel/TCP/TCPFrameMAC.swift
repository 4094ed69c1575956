/// The MAC of one direction of an authenticated connection: a key from the handshake and the
/// number of frames sealed (or opened) so far. A frame's tag is the first `tagSize` bytes of
/// HMAC-SHA256(key, sequence number ‖ the frame's bytes up to the tag), so a frame injected,
/// replayed, dropped or moved fails on arrival.
struct TCPFrameMAC {
    private let key: HMAC.SHA256Key
    private(set) var sequence: UInt64 = 0

    init(key: [UInt8]) { self.key = HMAC.SHA256Key(key) }

    /// Appends a sealed frame (header counting the tag, body, tag) to `out`.
    mutating func seal(kind: TCPFrameKind, code: UInt8, streamID: UInt64, messageID: UInt64,
                       body: [UInt8], into out: inout [UInt8]) {
        let start = out.count
        TCPFrame.appendHeader(kind: kind, code: code, streamID: streamID, messageID: messageID,
                              bodyCount: body.count + TCPAuthentication.tagSize, to: &out)
        out.append(contentsOf: body)
        let tag = withUnsafeBytes(of: sequence.bigEndian) { seq in
            out.withUnsafeBytes { raw in
                key.authenticationCode(forParts: [seq, UnsafeRawBufferPointer(rebasing: raw[start...])])
            }
        }
        out.append(contentsOf: tag[..<TCPAuthentication.tagSize])
        sequence &+= 1
    }

    /// Checks a received frame's tag and removes it from the body.
    /// - Returns: false when the tag is missing or wrong (the frame is not the peer's next one).
    mutating func open(_ frame: inout TCPFrame) -> Bool {
        let bodyCount = frame.body.count - TCPAuthentication.tagSize
        guard bodyCount >= 0 else { return false }
        var header: [UInt8] = []
        header.reserveCapacity(TCPFrame.headerSize)
        TCPFrame.appendHeader(kind: frame.kind, code: frame.code, streamID: frame.streamID,
                              messageID: frame.messageID, bodyCount: frame.body.count, to: &header)
        let expected = withUnsafeBytes(of: sequence.bigEndian) { seq in
            header.withUnsafeBytes { head in
                frame.body.withUnsafeBytes { body in
                    key.authenticationCode(forParts: [seq, head, UnsafeRawBufferPointer(rebasing: body[..<bodyCount])])
                }
            }
        }
        guard HMAC.constantTimeEquals(Array(expected[..<TCPAuthentication.tagSize]),
                                      Array(frame.body[bodyCount...])) else { return false }
        frame.body.removeLast(TCPAuthentication.tagSize)
        sequence &+= 1
        return true
    }
}
