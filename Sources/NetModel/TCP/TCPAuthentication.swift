/// Node authentication on a `TCPNetwork` (`TCPOptions.authentication`): the cluster's node key,
/// from which every connection between two nodes derives its proofs and its two frame keys.
///
/// The handshake (see docs/security.md): the connector sends a node hello (its name, the name it
/// wants, its listen address, its incarnation, a fresh 32-byte nonce); the acceptor answers with
/// a challenge (its incarnation, its own fresh nonce, and a proof: an HMAC over the transcript of
/// both); the connector checks that proof and sends its own. Both proofs and both frame keys are
/// HMACs under the node key of different labels and the same transcript, so a replayed hello,
/// challenge or proof (old nonces) fails, and a peer without the key proves nothing.
package struct TCPAuthentication: Sendable {
    /// Bytes of each side's nonce.
    package static let nonceSize = 32
    /// Bytes of the MAC every authenticated frame ends with (SipHash-2-4's 64-bit output).
    package static let tagSize = 8

    let key: HMAC.SHA256Key

    /// Authentication with the cluster's node key (derive it from the cluster secret; any length).
    package init(nodeKey: [UInt8]) {
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
        var nonce: [UInt8] = []
        nonce.reserveCapacity(nonceSize)
        for _ in 0..<nonceSize / 8 { withUnsafeBytes(of: generator.next()) { nonce.append(contentsOf: $0) } }
        return nonce
    }
}

/// Who is at the other end of a connection, as the transport established it.
package enum TCPPeerKind: Sendable, Equatable {
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
package struct TCPPayloadGate<Payload>: Sendable {
    /// Rewrites a payload before it is encoded for the wire.
    package var outbound: @Sendable (Payload) -> Payload
    /// Checks a decoded payload from a peer of the given kind: the payload to deliver (perhaps
    /// rewritten), or why it is refused (it is dropped, counted as `refused` and logged).
    package var inbound: @Sendable (Payload, TCPPeerKind) -> Result<Payload, TCPPayloadRefusal>

    /// A gate from its two halves.
    package init(outbound: @escaping @Sendable (Payload) -> Payload,
                inbound: @escaping @Sendable (Payload, TCPPeerKind) -> Result<Payload, TCPPayloadRefusal>) {
        self.outbound = outbound
        self.inbound = inbound
    }
}

/// Why a gate refused an inbound payload.
package struct TCPPayloadRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for the log.
    package var description: String
    /// A refusal saying `description`.
    package init(_ description: String) { self.description = description }
}
