import NetModel

/// One recorded event of a run.
public struct TraceEvent: Sendable, Equatable {
    /// Position in the trace, from 1.
    public var seq: Int
    /// When it happened.
    public var at: VirtualInstant
    /// What happened.
    public var kind: TraceKind
    /// Where it happened (the sender of a `send`, the receiver of a `deliver`).
    public var node: NodeName?
    /// The other end, if any.
    public var peer: NodeName?
    /// The message or stream id, 0 when none.
    public var messageID: UInt64
    /// The message kind or the subject of the event.
    public var label: String
    /// The detail: free text (a drop reason, a partition's groups) or a node event's fields.
    public var fields: TraceDetail

    /// The detail as text (`key=value` fields rendered).
    public var detail: String {
        get { fields.description }
        set { fields = TraceDetail(text: newValue) }
    }

    /// Makes an event with a text detail.
    public init(seq: Int, at: VirtualInstant, kind: TraceKind, node: NodeName?, peer: NodeName?,
                messageID: UInt64, label: String, detail: String) {
        self.init(seq: seq, at: at, kind: kind, node: node, peer: peer, messageID: messageID, label: label,
                  fields: TraceDetail(text: detail))
    }

    /// Makes an event with a structured detail.
    public init(seq: Int, at: VirtualInstant, kind: TraceKind, node: NodeName?, peer: NodeName?,
                messageID: UInt64, label: String, fields: TraceDetail) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.node = node
        self.peer = peer
        self.messageID = messageID
        self.label = label
        self.fields = fields
    }
}

extension TraceEvent {
    /// Folds the event's canonical encoding into `hash` (see docs/trace-format.md): the instant
    /// in nanoseconds (LEB128 varint), the kind (1 byte), node and peer (each a role byte then the
    /// node number as a varint, or the single byte 0xFE when absent), the message id (varint), and
    /// label and detail (UTF-8, each followed by 0xFF). The sequence number is implied by the order.
    static func fold(into hash: inout FNV1a64, at: Int64, kind: TraceKind, node: NodeName?, peer: NodeName?,
                     messageID: UInt64, label: String, detail: TraceDetail) {
        hash.combine(varint: UInt64(bitPattern: at))
        hash.combine(byte: kind.rawValue)
        foldName(node, into: &hash)
        foldName(peer, into: &hash)
        hash.combine(varint: messageID)
        hash.combine(label)
        detail.fold(into: &hash)
    }

    @inline(__always)
    private static func foldName(_ name: NodeName?, into hash: inout FNV1a64) {
        if let name {
            hash.combine(byte: UInt8(name.role.order))
            hash.combine(varint: UInt64(name.index))
        } else {
            hash.combine(byte: 0xFE)
        }
    }

    /// The event as one JSON object (one line of `trace.jsonl`), keys in a fixed order.
    public var jsonLine: String {
        var s = "{\"seq\":\(seq),\"ns\":\(at.nanoseconds),\"kind\":\"\(kind)\""
        if let node { s += ",\"node\":\"\(node)\"" }
        if let peer { s += ",\"peer\":\"\(peer)\"" }
        if messageID != 0 { s += ",\"id\":\(messageID)" }
        s += ",\"label\":" + jsonString(label)
        if !fields.isEmpty { s += ",\"detail\":" + jsonString(fields.description) }
        return s + "}"
    }
}

/// `text` as a JSON string literal (`JSONText.quoted`).
public func jsonString(_ text: String) -> String { JSONText.quoted(text) }
