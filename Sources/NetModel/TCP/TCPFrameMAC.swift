/// The MAC of one direction of an authenticated connection: a key from the handshake and the
/// number of frames sealed (or opened) so far. A frame's tag is SipHash-2-4 under the first 16
/// bytes of the direction's key, over the sequence number (8 bytes, big-endian) then the frame's
/// bytes up to the tag, written little-endian in `TCPAuthentication.tagSize` (8) bytes; so a frame
/// injected, replayed, dropped or moved fails on arrival (docs/security.md, "The frame MAC").
struct TCPFrameMAC {
    /// SipHash's key words, from the direction key.
    private let k0: UInt64
    private let k1: UInt64
    private(set) var sequence: UInt64 = 0

    /// A MAC under `key` (a direction key of the handshake: 32 bytes; its first 16 are used).
    /// - Precondition: `key` has at least 16 bytes.
    init(key: [UInt8]) {
        precondition(key.count >= SipHash24.keySize, "a frame key has at least 16 bytes")
        (k0, k1) = key.withUnsafeBytes {
            (UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// Appends a sealed frame (header counting the tag, body, tag) to `out`.
    mutating func seal(kind: TCPFrameKind, code: UInt8, streamID: UInt64, messageID: UInt64,
                       body: [UInt8], into out: inout [UInt8]) {
        let start = out.count
        TCPFrame.appendHeader(kind: kind, code: code, streamID: streamID, messageID: messageID,
                              bodyCount: body.count + TCPAuthentication.tagSize, to: &out)
        out.append(contentsOf: body)
        var mac = SipHash24(k0: k0, k1: k1)
        withUnsafeBytes(of: sequence.bigEndian) { mac.update($0) }
        out.withUnsafeBytes { mac.update(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        withUnsafeBytes(of: mac.finalize().littleEndian) { out.append(contentsOf: $0) }
        sequence &+= 1
    }

    /// Checks a received frame's tag and removes it from the body.
    /// - Returns: false when the tag is missing or wrong (the frame is not the peer's next one).
    mutating func open(_ frame: inout TCPFrame) -> Bool {
        let bodyCount = frame.body.count - TCPAuthentication.tagSize
        guard bodyCount >= 0 else { return false }
        var mac = SipHash24(k0: k0, k1: k1)
        // The sequence number and the header as they were sealed, on the stack.
        var prefix = MACPrefix(sequence: sequence, frame: frame)
        withUnsafeBytes(of: &prefix.bytes) { mac.update(UnsafeRawBufferPointer(rebasing: $0[..<MACPrefix.count])) }
        let received: UInt64 = frame.body.withUnsafeBytes { body in
            mac.update(UnsafeRawBufferPointer(rebasing: body[..<bodyCount]))
            return UInt64(littleEndian: body.loadUnaligned(fromByteOffset: bodyCount, as: UInt64.self))
        }
        // One word compared at once: the time does not depend on where the tags differ.
        guard mac.finalize() == received else { return false }
        frame.body.removeLast(TCPAuthentication.tagSize)
        sequence &+= 1
        return true
    }
}

/// The first bytes a frame's tag covers, without allocating: the sequence number (8) and the
/// frame's header (22), big-endian, in 32 bytes of which 30 count.
private struct MACPrefix {
    static let count = 8 + TCPFrame.headerSize
    var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(sequence: UInt64, frame: TCPFrame) {
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: sequence.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: UInt32(TCPFrame.headerAfterLength + frame.body.count).bigEndian,
                           toByteOffset: 8, as: UInt32.self)
            raw[12] = frame.kind.rawValue
            raw[13] = frame.code
            raw.storeBytes(of: frame.streamID.bigEndian, toByteOffset: 14, as: UInt64.self)
            raw.storeBytes(of: frame.messageID.bigEndian, toByteOffset: 22, as: UInt64.self)
        }
    }
}
