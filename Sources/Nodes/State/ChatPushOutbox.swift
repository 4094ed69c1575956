import NetModel

/// The chat node's pushes to the session node that are not confirmed yet, in the order they were
/// made: resent together, in that order, until each is confirmed (`executed`). Bounded: past
/// `limit` the oldest is given up (and returned, for the shell to log).
public struct ChatPushOutbox: Sendable {
    private var entries: [(key: RequestKey, call: BackendCall)] = []
    /// When the unconfirmed pushes were last sent.
    public private(set) var oldestSentAt: VirtualInstant?
    /// The most unconfirmed pushes kept.
    public let limit: Int

    /// An empty outbox.
    public init(limit: Int = 10_000) { self.limit = limit }

    /// How many pushes wait for a confirmation.
    public var count: Int { entries.count }

    /// Adds a push being sent now.
    /// - Returns: the key of a push given up to make room, if any.
    public mutating func append(_ key: RequestKey, _ call: BackendCall, now: VirtualInstant) -> RequestKey? {
        if entries.isEmpty { oldestSentAt = now }
        entries.append((key, call))
        guard entries.count > limit else { return nil }
        return entries.removeFirst().key
    }

    /// The session node confirmed `key`.
    public mutating func confirm(_ key: RequestKey) {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return }
        entries.remove(at: i)
        if entries.isEmpty { oldestSentAt = nil }
    }

    /// Every unconfirmed push in order, to be sent again now (they stay until confirmed).
    public mutating func takeAll(now: VirtualInstant) -> [BackendCall] {
        oldestSentAt = entries.isEmpty ? nil : now
        return entries.map(\.call)
    }
}
