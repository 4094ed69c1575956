import NetModel

/// The identity of one client request end to end: the node that made it and its id there.
///
/// Every copy of a request (a network duplicate, a client's retry, a frontend's retry towards
/// the executor) carries the same key, so the node that executes it can execute it at most once
/// and answer every copy with the first answer (`RequestWindow`).
public struct RequestKey: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The node that made the request (a client, a chat door, the chat node for its pushes).
    public var origin: NodeName
    /// The request's id at its origin (increasing).
    public var id: UInt64

    /// A key.
    public init(origin: NodeName, id: UInt64) {
        self.origin = origin
        self.id = id
    }

    /// By origin, then id (the order waiting requests are handled in).
    public static func < (a: RequestKey, b: RequestKey) -> Bool { (a.origin, a.id) < (b.origin, b.id) }

    /// `client-3#17`.
    public var description: String { "\(origin)#\(id)" }

    /// How many low bits of an id count requests; the bits above name the origin's incarnation.
    public static let counterBits = 40

    /// The id of the `counter`th request (from 1) of an incarnation: 24 bits of the incarnation's
    /// tag (`NodeEnvironment.incarnationID`), then the counter. An origin that restarts starts a
    /// new series that can never be mistaken for its predecessor's.
    public static func id(incarnation: UInt64, counter: UInt64) -> UInt64 {
        (incarnation & 0xFF_FFFF) << UInt64(counterBits) | (counter & (1 << UInt64(counterBits) - 1))
    }

    /// The incarnation part of this key's id.
    public var epoch: UInt64 { id >> UInt64(Self.counterBits) }
}
