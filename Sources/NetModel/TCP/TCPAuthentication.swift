/// Node authentication on a `TCPNetwork` (`TCPOptions.authentication`): the cluster's node key,
/// from which every connection between two nodes derives its proofs and its two frame keys.
///
/// The handshake (see docs/security.md): the connector sends a node hello (its name, the name it
/// wants, its listen address, its incarnation, a fresh 32-byte nonce); the acceptor answers with
/// a challenge (its incarnation, its own fresh nonce, and a proof: an HMAC over the transcript of
/// both); the connector checks that proof and sends its own. Both proofs and both frame keys are
/// HMACs under the node key of different labels and the same transcript, so a replayed hello,
/// challenge or proof (old nonces) fails, and a peer without the key proves nothing.
public struct TCPAuthentication: Sendable {
    /// Bytes of each side's nonce.
    public static let nonceSize = 32
    /// Bytes of the MAC every authenticated frame ends with (HMAC-SHA256 truncated).
    public static let tagSize = 16

    let key: HMAC.SHA256Key

    /// Authentication with the cluster's node key (derive it from the cluster secret; any length).
    public init(nodeKey: [UInt8]) {
        key = HMAC.SHA256Key(nodeKey)
    }

    /// The bytes both sides bind their proofs and frame keys to.
    static func transcript(connector: NodeName, acceptor: NodeName, listen: SocketAddress?,
                           connectorIncarnation: UInt64, acceptorIncarnation: UInt64,
                           connectorNonce: [UInt8], acceptorNonce: [UInt8]) -> [UInt8] {
        var out = Array("clustersim-node-auth-v1".utf8)
        func text(_ s: String) {
            let bytes = Array(s.utf8)
            word(UInt64(bytes.count))
            out.append(contentsOf: bytes)
        }
        func word(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
        text(connector.description)
        text(acceptor.description)
        text(listen?.description ?? "")
        word(connectorIncarnation)
        word(acceptorIncarnation)
        out.append(contentsOf: connectorNonce)
        out.append(contentsOf: acceptorNonce)
        return out
    }

    /// The HMAC of `label` then `transcript` under the node key.
    func tag(_ label: String, _ transcript: [UInt8]) -> [UInt8] {
        key.authenticationCode(for: Array(label.utf8) + [0] + transcript)
    }

    /// What the acceptor proves with.
    func acceptorProof(_ transcript: [UInt8]) -> [UInt8] { tag("acceptor-proof", transcript) }
    /// What the connector proves with.
    func connectorProof(_ transcript: [UInt8]) -> [UInt8] { tag("connector-proof", transcript) }
    /// The key of frames from the connector to the acceptor.
    func connectorToAcceptorKey(_ transcript: [UInt8]) -> [UInt8] { tag("connector-to-acceptor", transcript) }
    /// The key of frames from the acceptor to the connector.
    func acceptorToConnectorKey(_ transcript: [UInt8]) -> [UInt8] { tag("acceptor-to-connector", transcript) }

    /// A fresh nonce from the operating system's randomness.
    static func makeNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

/// Who is at the other end of a connection, as the transport established it.
public enum TCPPeerKind: Sendable, Equatable {
    /// A cluster node that proved it holds the node key (authenticated connection, MAC'd frames).
    case node
    /// A client that connected with a client hello: no secret, no MAC; it may only send what a
    /// `TCPPayloadGate` lets clients send.
    case client
    /// Nothing was proved: the network has no authentication, or this side is a client that
    /// dialled a server.
    case unauthenticated
}

/// What a `TCPNetwork` with authentication does to payloads at its edge: rewrite them before
/// they are encoded (e.g. leave out a group id that the authenticated connection stands for) and
/// check them after they are decoded, knowing who sent them.
public struct TCPPayloadGate<Payload>: Sendable {
    /// Rewrites a payload before it is encoded for the wire.
    public var outbound: @Sendable (Payload) -> Payload
    /// Checks a decoded payload from a peer of the given kind: the payload to deliver (perhaps
    /// rewritten), or why it is refused (it is dropped, counted as `refused` and logged).
    public var inbound: @Sendable (Payload, TCPPeerKind) -> Result<Payload, TCPPayloadRefusal>

    /// A gate from its two halves.
    public init(outbound: @escaping @Sendable (Payload) -> Payload,
                inbound: @escaping @Sendable (Payload, TCPPeerKind) -> Result<Payload, TCPPayloadRefusal>) {
        self.outbound = outbound
        self.inbound = inbound
    }
}

/// Why a gate refused an inbound payload.
public struct TCPPayloadRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for the log.
    public var description: String
    /// A refusal saying `description`.
    public init(_ description: String) { self.description = description }
}

/// The connector's node hello (frame kind `nodeHello`, MessagePack).
struct TCPNodeHello: Codable, Equatable, Sendable {
    var from: NodeName
    var to: NodeName
    var listen: SocketAddress?
    var incarnation: UInt64
    var nonce: [UInt8]
}

/// The acceptor's answer to a node hello (frame kind `challenge`, MessagePack).
struct TCPNodeChallenge: Codable, Equatable, Sendable {
    var from: NodeName
    var incarnation: UInt64
    var nonce: [UInt8]
    var proof: [UInt8]
}

/// The connector's proof (frame kind `proof`, MessagePack).
struct TCPNodeProof: Codable, Equatable, Sendable {
    var proof: [UInt8]
}

/// Where a connection is in the node handshake.
enum TCPHandshake {
    /// The connector sent its node hello and waits for the challenge.
    case awaitingChallenge(hello: TCPNodeHello)
    /// The acceptor sent its challenge and waits for the connector's proof.
    case awaitingProof(hello: TCPNodeHello, transcript: [UInt8])
}

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
