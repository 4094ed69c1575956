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
