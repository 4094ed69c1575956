import NetModel

/// The session node's memory of push streams that ended (logged out or kicked), by frontend and
/// connection: a login of one of them that arrives late (a network copy, a retry) is ignored
/// instead of taking the user's session from a newer stream. Bounded: the last `capacity` ended
/// streams (connection numbers only grow on a frontend, so older ones are not seen again).
struct EndedStreams: Sendable {
    private struct Key: Hashable, Sendable {
        var frontend: NodeName
        var connection: UInt64
    }

    private var ended: RecentSet<Key>

    init(capacity: Int = 4_096) { ended = RecentSet(capacity: capacity) }

    func contains(frontend: NodeName, connection: UInt64) -> Bool {
        ended.contains(Key(frontend: frontend, connection: connection))
    }

    mutating func insert(frontend: NodeName, connection: UInt64) {
        ended.insert(Key(frontend: frontend, connection: connection))
    }
}
