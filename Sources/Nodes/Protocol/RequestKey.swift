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
    /// Which of the calls a frontend service's handler made for this request (0 for the first):
    /// each is executed once on its own (`ServiceContext`).
    public var step: UInt16

    /// A key.
    public init(origin: NodeName, id: UInt64, step: UInt16 = 0) {
        self.origin = origin
        self.id = id
        self.step = step
    }

    /// The key of the `step`th call made for this request.
    public func step(_ step: UInt16) -> RequestKey { RequestKey(origin: origin, id: id, step: step) }

    /// By origin, then id, then step (the order waiting requests are handled in).
    public static func < (a: RequestKey, b: RequestKey) -> Bool { (a.origin, a.id, a.step) < (b.origin, b.id, b.step) }

    /// `client-3#17` (`client-3#17.2` for a later step).
    public var description: String { step == 0 ? "\(origin)#\(id)" : "\(origin)#\(id).\(step)" }

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
