/// Turns the bytes of one chat connection into messages, whatever the read boundaries.
///
/// Append every read with `append(_:)`, then call `nextClientMessage()` (server side) or
/// `nextServerMessage()` (test clients) until it returns `nil`: several frames in one read all
/// come out one after another, and a frame split at any byte boundary decodes the same once its
/// last byte arrives. In protobuf mode a message is two frames (`Type`, then the body); a `Type`
/// frame waiting for its body is remembered between calls.
///
/// Errors are sticky: after a call throws, every later call throws the same error, since the
/// stream can no longer be trusted; the shell closes the connection.
package struct ChatFrameDecoder: Sendable {
    /// The encoding on this connection.
    package let format: ChatWireFormat
    /// The largest frame body accepted, in bytes (at most 65535, what the prefix can announce).
    package let maxBody: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var pendingType: ChatProtoType?
    private var failure: ChatWireError?

    /// A decoder with an empty buffer.
    /// - Parameters:
    ///   - format: the connection's encoding.
    ///   - maxBody: the largest body accepted; clamped to `0...65535`.
    package init(format: ChatWireFormat, maxBody: Int = ChatWire.maxFrameBody) {
        self.format = format
        self.maxBody = min(max(maxBody, 0), ChatWire.maxFrameBody)
    }

    /// Bytes received but not yet consumed by a decoded message or frame.
    package var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether a protobuf `Type` frame has been read and its body frame is still awaited.
    package var isAwaitingBody: Bool { pendingType != nil }

    /// Adds bytes read from the socket.
    package mutating func append(_ bytes: some Collection<UInt8>) {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Decodes the next client→server message.
    /// - Returns: the message, or `nil` when the buffer holds no complete message yet.
    /// - Throws: a `ChatWireError` for an oversized frame, a malformed body, an unknown or
    ///   server→client type, or a missing field; the same error again on every later call.
    package mutating func nextClientMessage() throws(ChatWireError) -> ChatClientMessage? {
        try guarded { (d: inout ChatFrameDecoder) throws(ChatWireError) in
            switch d.format {
            case .json:
                guard let body = try d.nextFrame() else { return nil }
                if let chat = ChatWire.fastJSONClientChat(body) { return chat }
                return try ChatWire.decodeJSONClient(body)
            case .protobuf:
                guard let (type, body) = try d.nextProtobufPair(acceptType: \.isClientToServer) else { return nil }
                return try ChatWire.decodeProtobufClient(type: type, body: body)
            }
        }
    }

    /// Decodes the next server→client message (for test clients).
    /// - Returns: the message, or `nil` when the buffer holds no complete message yet.
    /// - Throws: a `ChatWireError` as `nextClientMessage()` does, with client→server types
    ///   rejected as unknown.
    package mutating func nextServerMessage() throws(ChatWireError) -> ChatServerMessage? {
        try guarded { (d: inout ChatFrameDecoder) throws(ChatWireError) in
            switch d.format {
            case .json:
                guard let body = try d.nextFrame() else { return nil }
                return try ChatWire.decodeJSONServer(body)
            case .protobuf:
                guard let (type, body) = try d.nextProtobufPair(acceptType: { !$0.isClientToServer }) else {
                    return nil
                }
                return try ChatWire.decodeProtobufServer(type: type, body: body)
            }
        }
    }

    /// Runs `step` unless a failure is recorded, recording any error it throws.
    private mutating func guarded<T>(_ step: (inout ChatFrameDecoder) throws(ChatWireError) -> T?)
        throws(ChatWireError) -> T?
    {
        if let failure { throw failure }
        do {
            return try step(&self)
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads the `Type` frame (once) and then the body frame.
    /// - Returns: both, or `nil` while the body frame is incomplete.
    private mutating func nextProtobufPair(acceptType: (ChatProtoType) -> Bool) throws(ChatWireError)
        -> (ChatProtoType, ArraySlice<UInt8>)?
    {
        if pendingType == nil {
            guard let typeFrame = try nextFrame() else { return nil }
            let type = try ChatWire.decodeProtobufType(typeFrame)
            guard acceptType(type) else { throw .unknownType(type.errorName) }
            pendingType = type
        }
        guard let type = pendingType, let body = try nextFrame() else { return nil }
        pendingType = nil
        return (type, body)
    }

    /// Takes one complete frame body off the buffer.
    /// - Returns: the body, or `nil` when the prefix or the body is incomplete.
    /// - Throws: `.frameTooLarge` as soon as a prefix announces more than `maxBody`.
    private mutating func nextFrame() throws(ChatWireError) -> ArraySlice<UInt8>? {
        guard bufferedByteCount >= 2 else { return nil }
        let length = Int(buffer[readIndex]) << 8 | Int(buffer[readIndex + 1])
        guard length <= maxBody else { throw .frameTooLarge(length: length, limit: maxBody) }
        guard bufferedByteCount - 2 >= length else { return nil }
        let start = readIndex + 2
        readIndex = start + length
        return buffer[start..<readIndex]
    }
}
