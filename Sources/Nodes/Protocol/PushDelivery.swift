import NetModel

/// One push on its way from the session node to a push frontend (a frontend or a chat door), for
/// one or more of the users whose stream is there: the body once, each recipient's own number.
///
/// A `pushTo` or a broadcast sends one delivery per push frontend with every recipient there (a
/// chat line to a room of ten on one door is one message, not ten); a resend after a reconnect or
/// a retransmission carries one recipient. The frontend splits it into one `PushFrame` per user
/// (`frames`); numbering, acknowledgement and resends stay per user.
package struct PushDelivery: Codable, Equatable, Sendable {
    /// The push's cluster-wide id (for checkers).
    package var pushID: UInt64
    /// What the push says.
    package var body: PushBody
    /// Virtual instant (ns) the push was accepted.
    package var acceptedAt: Int64
    /// The outbox generation (the session node's incarnation) the recipients' numbers belong to.
    package var generation: UInt64
    /// Who gets it here, each with their sequence number and floor, in the order accepted.
    package var recipients: [PushRecipient]

    /// A delivery of push `pushID` to `recipients`.
    package init(pushID: UInt64, body: PushBody, acceptedAt: Int64, generation: UInt64, recipients: [PushRecipient]) {
        self.pushID = pushID
        self.body = body
        self.acceptedAt = acceptedAt
        self.generation = generation
        self.recipients = recipients
    }

    /// A delivery of one frame (one recipient).
    package init(_ frame: PushFrame) {
        self.init(pushID: frame.pushID, body: frame.body, acceptedAt: frame.acceptedAt, generation: frame.generation,
                  recipients: [PushRecipient(user: frame.user, seq: frame.seq, floor: frame.floor)])
    }

    /// The frame `recipient` gets on their push stream.
    package func frame(for recipient: PushRecipient) -> PushFrame {
        PushFrame(user: recipient.user, seq: recipient.seq, pushID: pushID, body: body, acceptedAt: acceptedAt,
                  generation: generation, floor: recipient.floor)
    }

    /// One frame per recipient, in order.
    package var frames: [PushFrame] { recipients.map(frame(for:)) }
}

/// One user a `PushDelivery` is for: their per-user sequence number and floor.
///
/// On the wire a three-element array `[user, seq, floor]` (no keys: a delivery may carry
/// hundreds of recipients).
package struct PushRecipient: Codable, Equatable, Sendable {
    /// The user.
    package var user: String
    /// The push's sequence number for this user (from 1).
    package var seq: UInt64
    /// The lowest sequence number the outbox may still send to this user.
    package var floor: UInt64

    /// A recipient.
    package init(user: String, seq: UInt64, floor: UInt64) {
        self.user = user
        self.seq = seq
        self.floor = floor
    }

    /// Decodes `[user, seq, floor]`.
    package init(from decoder: any Decoder) throws {
        var fields = try decoder.unkeyedContainer()
        user = try fields.decode(String.self)
        seq = try fields.decode(UInt64.self)
        floor = try fields.decode(UInt64.self)
    }

    /// Encodes `[user, seq, floor]`.
    package func encode(to encoder: any Encoder) throws {
        var fields = encoder.unkeyedContainer()
        try fields.encode(user)
        try fields.encode(seq)
        try fields.encode(floor)
    }
}

/// One user's cumulative acknowledgement in a `BackendCall.acks`: every push up to `upTo` of
/// `generation` arrived.
///
/// On the wire a three-element array `[user, upTo, generation]`.
package struct PushAck: Codable, Equatable, Sendable {
    /// The user.
    package var user: String
    /// The highest sequence number up to which every push arrived.
    package var upTo: UInt64
    /// The outbox generation the numbers belong to.
    package var generation: UInt64

    /// An acknowledgement.
    package init(user: String, upTo: UInt64, generation: UInt64) {
        self.user = user
        self.upTo = upTo
        self.generation = generation
    }

    /// Decodes `[user, upTo, generation]`.
    package init(from decoder: any Decoder) throws {
        var fields = try decoder.unkeyedContainer()
        user = try fields.decode(String.self)
        upTo = try fields.decode(UInt64.self)
        generation = try fields.decode(UInt64.self)
    }

    /// Encodes `[user, upTo, generation]`.
    package func encode(to encoder: any Encoder) throws {
        var fields = encoder.unkeyedContainer()
        try fields.encode(user)
        try fields.encode(upTo)
        try fields.encode(generation)
    }
}
