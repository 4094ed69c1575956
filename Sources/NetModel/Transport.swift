/// A message between two named endpoints, as a transport carries it.
public struct Envelope<Payload: Sendable>: Sendable {
    /// Who sent it.
    public var source: NodeName
    /// Who it is for.
    public var destination: NodeName
    /// The transport's id for this message: unique within a run, shared by a duplicate and
    /// its original.
    public var id: UInt64
    /// What it carries.
    public var payload: Payload

    /// Makes an envelope.
    @inlinable
    public init(source: NodeName, destination: NodeName, id: UInt64, payload: Payload) {
        self.source = source
        self.destination = destination
        self.id = id
        self.payload = payload
    }
}

/// Identifies one long-lived stream (a client's push channel) within a run or a process.
public struct StreamID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The raw number, unique within the transport that opened the stream.
    public var rawValue: UInt64
    /// Wraps a raw number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: StreamID, b: StreamID) -> Bool { a.rawValue < b.rawValue }
    /// `s` followed by the number.
    public var description: String { "s\(rawValue)" }
}

/// Why a stream ended.
public enum StreamCloseReason: String, Sendable, Codable {
    /// One end closed it.
    case closed
    /// The peer's node crashed or stopped.
    case peerCrashed = "peer-crashed"
    /// The peer could not be reached when opening (no such node, or down).
    case refused
    /// A partition cut the path between the two ends.
    case partition
    /// The transport dropped it (slow consumer, protocol error, shutdown).
    case reset
}

/// What a transport hands to the node it serves.
public enum Inbound<Payload: Sendable>: Sendable {
    /// A one-shot message.
    case message(Envelope<Payload>)
    /// A peer opened a stream to this node.
    case streamOpened(StreamID, peer: NodeName)
    /// A message on an open stream, in the order the peer sent it.
    case streamMessage(StreamID, peer: NodeName, Payload)
    /// A stream ended; nothing more arrives on it.
    case streamClosed(StreamID, peer: NodeName, reason: StreamCloseReason)
}

/// A message a transport can carry and name in the trace.
public protocol NetworkPayload: Sendable {
    /// A short, stable name of the message kind for the trace (`Login`, `Ping`, `Push`).
    var traceLabel: String { get }
}

/// The one interface node code uses to talk: envelopes between named endpoints, and
/// long-lived streams. Implemented by the simulated network and by the TCP transport.
///
/// A transport handle belongs to one node (`local`). Inbound traffic is handed to the handler
/// the node registered when it attached; the handler runs on the node's executor.
public protocol Transport<Payload>: AnyObject, Sendable {
    /// What the transport carries.
    associatedtype Payload: NetworkPayload

    /// The node this handle belongs to.
    var local: NodeName { get }

    /// Sends a one-shot message. Delivery is not guaranteed (it may be dropped, duplicated or
    /// reordered by the network).
    /// - Returns: the message id the trace records for it.
    @discardableResult
    func send(_ payload: consuming Payload, to destination: NodeName) -> UInt64

    /// Opens a stream to `peer`. The peer sees `.streamOpened`; if it cannot be reached this
    /// node later sees `.streamClosed(…, reason: .refused)`.
    /// - Returns: the new stream's id, valid at once for `send(_:on:)`.
    func openStream(to peer: NodeName) -> StreamID

    /// Sends on an open stream: reliable and in order while the stream lives.
    func send(_ payload: consuming Payload, on stream: StreamID)

    /// Closes a stream; the peer sees `.streamClosed(…, reason: .closed)`.
    func closeStream(_ stream: StreamID)
}
