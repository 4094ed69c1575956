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

    private var ring: [Key] = []
    private var next = 0
    private var members: Set<Key> = []
    let capacity: Int

    init(capacity: Int = 4_096) { self.capacity = capacity }

    func contains(frontend: NodeName, connection: UInt64) -> Bool {
        members.contains(Key(frontend: frontend, connection: connection))
    }

    mutating func insert(frontend: NodeName, connection: UInt64) {
        let key = Key(frontend: frontend, connection: connection)
        guard members.insert(key).inserted else { return }
        if ring.count < capacity {
            ring.append(key)
        } else {
            members.remove(ring[next])
            ring[next] = key
            next = (next + 1) % capacity
        }
    }
}
