import Foundation

/// Node authentication on the reactor: the challenge–response handshake, client hellos, and the
/// MAC check of every frame of an authenticated connection (`TCPOptions.authentication`).
extension TCPReactor {
    /// Queues the first frame of a new outgoing connection: a node hello (authentication, local
    /// node not a client; the connection then holds its frames until the handshake is done) or
    /// the plain hello.
    func appendOpeningHello(on connection: TCPConnection, to peer: NodeName) {
        let node = connection.node
        if options.authentication != nil, node.name.role != .client {
            let hello = TCPNodeHello(from: node.name, to: peer, listen: node.listenAddress,
                                     incarnation: node.incarnation, nonce: TCPAuthentication.makeNonce())
            connection.appendPlainFrame(kind: .nodeHello, streamID: 0, messageID: 0,
                                        body: hello.encoded)
            connection.handshake = .awaitingChallenge(hello: hello)
            connection.peerKind = .node
        } else {
            let hello = TCPHello(from: node.name, to: peer, listen: node.listenAddress)
            connection.appendPlainFrame(kind: .hello, streamID: 0, messageID: 0,
                                        body: (try? MessagePackEncoder().encode(hello)) ?? [])
        }
    }

    /// Checks a received frame's MAC on an authenticated connection (and removes it).
    /// - Returns: false when the frame is refused; the connection is then cut and logged.
    func openAuthenticated(_ frame: inout TCPFrame, on connection: TCPConnection) -> Bool {
        guard connection.opener != nil else { return true }
        if connection.opener!.open(&frame) { return true }
        let sequence = connection.opener!.sequence
        cut(connection, reason: "bad-mac",
            detail: "frame \(sequence) (kind \(frame.kind.rawValue)) has no valid MAC: injected, replayed or reordered",
            streams: .reset, poison: true)
        return false
    }

    /// Handles a frame of a connection whose node handshake is in progress.
    func handleHandshake(_ frame: TCPFrame, on connection: TCPConnection) {
        guard let auth = options.authentication, let handshake = connection.handshake else { return }
        switch handshake {
        case .awaitingChallenge(let hello):
            guard frame.kind == .challenge,
                  let challenge = TCPNodeChallenge(decoding: frame.body), challenge.from == hello.to else {
                return refuseHandshake(connection, "the answer to a node hello is not a valid challenge")
            }
            let transcript = TCPAuthentication.transcript(
                connector: hello.from, acceptor: hello.to, listen: hello.listen,
                connectorIncarnation: hello.incarnation, acceptorIncarnation: challenge.incarnation,
                connectorNonce: hello.nonce, acceptorNonce: challenge.nonce)
            guard HMAC.constantTimeEquals(challenge.proof, auth.acceptorProof(transcript)) else {
                return refuseHandshake(connection, "\(hello.to) did not prove it holds the cluster's node key")
            }
            let proof = TCPNodeProof(proof: auth.connectorProof(transcript))
            connection.appendPlainFrame(kind: .proof, streamID: 0, messageID: 0,
                                        body: proof.encoded)
            connection.peerIncarnation = challenge.incarnation
            finishHandshake(connection, sendKey: auth.connectorToAcceptorKey(transcript),
                            receiveKey: auth.acceptorToConnectorKey(transcript))
            markDirty(connection)
        case .awaitingProof(let hello, let transcript):
            guard frame.kind == .proof,
                  let proof = TCPNodeProof(decoding: frame.body),
                  HMAC.constantTimeEquals(proof.proof, auth.connectorProof(transcript)) else {
                return refuseHandshake(connection, "a hello as \(hello.from) without a valid proof of the cluster's node key")
            }
            connection.peerIncarnation = hello.incarnation
            finishHandshake(connection, sendKey: auth.acceptorToConnectorKey(transcript),
                            receiveKey: auth.connectorToAcceptorKey(transcript))
            admit(connection, as: hello.from, listen: hello.listen)
        }
    }

    /// An accepted connection's node hello: answer with a challenge and wait for the proof.
    func acceptNodeHello(_ frame: TCPFrame, on connection: TCPConnection) {
        let node = connection.node
        guard let auth = options.authentication else {
            return refuseHandshake(connection, "a node hello reached a node without authentication")
        }
        guard let hello = TCPNodeHello(decoding: frame.body) else {
            return refuseHandshake(connection, "the node hello does not decode")
        }
        guard hello.to == node.name else {
            return refuseHandshake(connection, "node hello for \(hello.to) reached \(node.name)")
        }
        guard hello.from.role != .client else {
            return refuseHandshake(connection, "a node hello naming a client (\(hello.from))")
        }
        let nonce = TCPAuthentication.makeNonce()
        let transcript = TCPAuthentication.transcript(
            connector: hello.from, acceptor: node.name, listen: hello.listen,
            connectorIncarnation: hello.incarnation, acceptorIncarnation: node.incarnation,
            connectorNonce: hello.nonce, acceptorNonce: nonce)
        let challenge = TCPNodeChallenge(from: node.name, incarnation: node.incarnation, nonce: nonce,
                                         proof: auth.acceptorProof(transcript))
        connection.handshake = .awaitingProof(hello: hello, transcript: transcript)
        connection.state = .open  // (to write the challenge; `peer` stays nil until the proof)
        connection.appendPlainFrame(kind: .challenge, streamID: 0, messageID: 0,
                                    body: challenge.encoded)
        markDirty(connection)
        updateInterest(connection)
    }

    /// Whether a client hello may open this accepted connection (with authentication): only a
    /// client's name, and not one a live connection of this node already holds.
    /// - Returns: false when refused; the connection is then cut and logged.
    func admitsClientHello(_ hello: TCPHello, on connection: TCPConnection) -> Bool {
        guard options.authentication != nil else { return true }
        guard hello.from.role == .client else {
            refuseHandshake(connection, "a client hello naming a server (\(hello.from)): nodes must authenticate")
            return false
        }
        if let existing = connection.node.links[hello.from], existing !== connection, existing.state != .closed {
            refuseHandshake(connection, "\(hello.from) is already connected: a second connection may not take its name")
            return false
        }
        connection.peerKind = .client
        return true
    }

    /// Installs the two frame MACs and seals the frames held during the handshake.
    private func finishHandshake(_ connection: TCPConnection, sendKey: [UInt8], receiveKey: [UInt8]) {
        connection.handshake = nil
        connection.peerKind = .node
        connection.sealer = TCPFrameMAC(key: sendKey)
        connection.opener = TCPFrameMAC(key: receiveKey)
        let held = connection.held
        connection.held = []
        for f in held {
            connection.appendFrame(kind: f.kind, code: f.code, streamID: f.streamID, messageID: f.messageID, body: f.body)
        }
    }

    /// An authenticated accepted connection becomes `peer`'s.
    private func admit(_ connection: TCPConnection, as peer: NodeName, listen: SocketAddress?) {
        let node = connection.node
        connection.peer = peer
        if let listen { directory.set(listen, for: peer) }
        if let existing = node.links[peer], existing !== connection {
            if !existing.isConnector {
                peerGone(existing, reason: "replaced", detail: nil)
                node.links[peer] = connection
            }
        } else {
            node.links[peer] = connection
        }
        updateInterest(connection)
    }

    /// Refuses a hello or handshake: logged, counted as `auth-failed`, connection reset.
    func refuseHandshake(_ connection: TCPConnection, _ detail: String) {
        cut(connection, reason: "auth-failed", detail: detail, streams: .reset, poison: true)
    }
}
