import NetModel

/// push-delivery's last reception per push stream: the highest `seq` received on it, and the
/// trace position and instant of that reception.
///
/// Kept for every stream of the run (a client's streams, one per session generation): a client's
/// stream is found by one word (the client's number, and the generation's number in a table of
/// the generations seen: a run has a handful, one per session-node incarnation), 32 bytes a slot
/// where the stream's full key took 56 (a dictionary's slots are 1.6 to 2.6 times its entries at
/// 10k to 100k clients). Other streams (a name that is not a client's, no generation, a
/// generation past the table's `maxGenerations`) keep their full key.
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

    /// How many generations the table numbers.
    static var maxGenerations: Int { 4_096 }

    private var byWord: [UInt64: Last] = [:]
    private var byKey: [PushDeliveryChecker.StreamKey: Last] = [:]
    /// The generations seen, by number.
    private var generations: [UInt64] = []

    /// None yet.
    init() {}

    /// How many generations are numbered.
    var generationCount: Int { generations.count }

    /// The number of `generation`, if it has one (the latest generations are looked at first).
    private func number(of generation: UInt64) -> Int? {
        generations.lastIndex(of: generation)
    }

    /// The word of a client's stream whose generation is numbered `n`.
    private static func word(_ key: PushDeliveryChecker.StreamKey, _ n: Int) -> UInt64 {
        UInt64(key.client) << 32 | UInt64(n)
    }

    /// Whether `key` may be kept by a word once its generation is numbered.
    private static func isClientStream(_ key: PushDeliveryChecker.StreamKey) -> Bool {
        key.role == NodeRole.client.order && key.generation != nil && key.client >= 0 && key.client <= Int(UInt32.max)
    }

    /// The last reception on `stream`; setting stores it (numbering its generation if new).
    subscript(stream: PushDeliveryChecker.StreamKey) -> Last? {
        get {
            if Self.isClientStream(stream), let n = number(of: stream.generation!) { return byWord[Self.word(stream, n)] }
            return byKey[stream]
        }
        set {
            guard Self.isClientStream(stream), let generation = stream.generation else {
                byKey[stream] = newValue
                return
            }
            if let n = number(of: generation) {
                byWord[Self.word(stream, n)] = newValue
            } else if generations.count < Self.maxGenerations, newValue != nil {
                generations.append(generation)
                byWord[Self.word(stream, generations.count - 1)] = newValue
            } else {
                byKey[stream] = newValue
            }
        }
    }
}
