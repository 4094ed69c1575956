/// The connector's node hello (frame kind `nodeHello`).
struct TCPNodeHello: Equatable, Sendable {
    var from: NodeName
    var to: NodeName
    var listen: SocketAddress?
    var incarnation: UInt64
    var nonce: [UInt8]

    /// The body: from, to, listen ("" for none) as length-prefixed text, the incarnation, the nonce.
    var encoded: [UInt8] {
        var w = TCPHandshakeWriter()
        w.text(from.description)
        w.text(to.description)
        w.text(listen?.description ?? "")
        w.word(incarnation)
        w.bytes(nonce)
        return w.out
    }

    init(from: NodeName, to: NodeName, listen: SocketAddress?, incarnation: UInt64, nonce: [UInt8]) {
        self.from = from
        self.to = to
        self.listen = listen
        self.incarnation = incarnation
        self.nonce = nonce
    }

    /// Reads a body; nil when it is not a well-formed node hello.
    init?(decoding body: [UInt8]) {
        var r = TCPHandshakeReader(body)
        guard let from = r.name(), let to = r.name(), let listenText = r.text(), let incarnation = r.word(),
              let nonce = r.bytes(TCPAuthentication.nonceSize), r.atEnd else { return nil }
        let listen: SocketAddress?
        if listenText.isEmpty { listen = nil } else {
            guard let address = try? SocketAddress(parsing: listenText) else { return nil }
            listen = address
        }
        self.init(from: from, to: to, listen: listen, incarnation: incarnation, nonce: nonce)
    }
}

/// The acceptor's answer to a node hello (frame kind `challenge`).
struct TCPNodeChallenge: Equatable, Sendable {
    var from: NodeName
    var incarnation: UInt64
    var nonce: [UInt8]
    var proof: [UInt8]

    /// The body: from as length-prefixed text, the incarnation, the nonce, the proof.
    var encoded: [UInt8] {
        var w = TCPHandshakeWriter()
        w.text(from.description)
        w.word(incarnation)
        w.bytes(nonce)
        w.bytes(proof)
        return w.out
    }

    init(from: NodeName, incarnation: UInt64, nonce: [UInt8], proof: [UInt8]) {
        self.from = from
        self.incarnation = incarnation
        self.nonce = nonce
        self.proof = proof
    }

    /// Reads a body; nil when it is not a well-formed challenge.
    init?(decoding body: [UInt8]) {
        var r = TCPHandshakeReader(body)
        guard let from = r.name(), let incarnation = r.word(), let nonce = r.bytes(TCPAuthentication.nonceSize),
              let proof = r.bytes(32), r.atEnd else { return nil }
        self.init(from: from, incarnation: incarnation, nonce: nonce, proof: proof)
    }
}

/// The connector's proof (frame kind `proof`): the 32 bytes themselves.
struct TCPNodeProof: Equatable, Sendable {
    var proof: [UInt8]

    var encoded: [UInt8] { proof }

    init(proof: [UInt8]) { self.proof = proof }

    /// Reads a body; nil unless it is 32 bytes.
    init?(decoding body: [UInt8]) {
        guard body.count == 32 else { return nil }
        proof = body
    }
}

/// Where a connection is in the node handshake.
enum TCPHandshake {
    /// The connector sent its node hello and waits for the challenge.
    case awaitingChallenge(hello: TCPNodeHello)
    /// The acceptor sent its challenge and waits for the connector's proof.
    case awaitingProof(hello: TCPNodeHello, transcript: [UInt8])
}

/// Writes handshake bodies: text as a 16-bit big-endian length and UTF-8, words as 64-bit big-endian.
struct TCPHandshakeWriter {
    var out: [UInt8] = []

    mutating func text(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        out.append(UInt8(utf8.count >> 8))
        out.append(UInt8(utf8.count & 0xFF))
        out.append(contentsOf: utf8)
    }

    mutating func word(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }

    mutating func bytes(_ b: [UInt8]) { out.append(contentsOf: b) }
}

/// Reads what `TCPHandshakeWriter` wrote; every read is bounds-checked (nil when short).
struct TCPHandshakeReader {
    private let body: [UInt8]
    private var offset = 0

    init(_ body: [UInt8]) { self.body = body }

    var atEnd: Bool { offset == body.count }

    mutating func bytes(_ n: Int) -> [UInt8]? {
        guard n >= 0, body.count - offset >= n else { return nil }
        defer { offset += n }
        return Array(body[offset..<offset + n])
    }

    mutating func word() -> UInt64? {
        guard let b = bytes(8) else { return nil }
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func text() -> String? {
        guard let length = bytes(2), let utf8 = bytes(Int(length[0]) << 8 | Int(length[1])) else { return nil }
        return String(validating: utf8, as: UTF8.self)
    }

    mutating func name() -> NodeName? { text().flatMap(NodeName.init(parsing:)) }
}
