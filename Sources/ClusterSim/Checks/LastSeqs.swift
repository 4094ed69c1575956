import NetModel

/// push-delivery's last reception per push stream: the highest `seq` received on it, and the
/// trace position and instant of that reception.
///
/// Kept for every stream of the run (a client's streams, one per session generation): a client's
/// stream is found by one word (the client's number and the generation), 32 bytes a slot where
/// the stream's full key took 56 (a dictionary's slots are 1.6 to 2.6 times its entries at 10k
/// to 100k clients). Other streams (a name that is not a client's, a missing or huge generation)
/// keep their full key.
struct LastSeqs: Sendable {
    /// The last reception on a stream.
    struct Last: Sendable {
        /// Its `seq`.
        let seq: UInt64
        /// Its trace position.
        let event: Int
        /// Its instant.
        let at: VirtualInstant
    }

    private var byWord: [UInt64: Last] = [:]
    private var byKey: [PushDeliveryChecker.StreamKey: Last] = [:]

    /// None yet.
    init() {}

    /// The word of a client's stream: the client's number in the high half, the generation in
    /// the low one; nil when the stream is not a client's or does not fit.
    private static func word(_ key: PushDeliveryChecker.StreamKey) -> UInt64? {
        guard key.role == NodeRole.client.order, let generation = key.generation, generation <= UInt64(UInt32.max),
              key.client >= 0, key.client <= Int(UInt32.max) else { return nil }
        return UInt64(key.client) << 32 | generation
    }

    /// The last reception on `stream`; setting stores it.
    subscript(stream: PushDeliveryChecker.StreamKey) -> Last? {
        get {
            if let word = Self.word(stream) { return byWord[word] }
            return byKey[stream]
        }
        set {
            if let word = Self.word(stream) { byWord[word] = newValue } else { byKey[stream] = newValue }
        }
    }
}
