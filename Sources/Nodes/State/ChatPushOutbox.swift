import NetModel

/// The chat node's pushes to the session node that are not confirmed yet, in the order they were
/// made. Each is sent on the current stream to the session node once, in order; when the stream
/// changes (it broke, or the session node restarted) or a confirmation is late, every unconfirmed
/// push is sent again, in order, before any newer one — so the session node, which holds each
/// request key once, receives the pushes of one chat node in the order they were made. Bounded:
/// past `limit` the oldest is given up (and returned, for the shell to log).
package struct ChatPushOutbox: Sendable {
    private struct Entry: Sendable {
        var key: RequestKey
        var call: BackendCall
        /// The stream it was last sent on, by number (nil: not sent since the last `markAllUnsent`).
        var sentOn: UInt64?
    }

    private var entries: [Entry] = []
    /// When the oldest unconfirmed push was last sent.
    package private(set) var oldestSentAt: VirtualInstant?
    /// The most unconfirmed pushes kept.
    package let limit: Int

    /// An empty outbox.
    package init(limit: Int = 10_000) { self.limit = limit }

    /// How many pushes wait for a confirmation.
    package var count: Int { entries.count }

    /// Adds a push (sent by the next `takeUnsent`).
    /// - Returns: the key of a push given up to make room, if any.
    package mutating func append(_ key: RequestKey, _ call: BackendCall) -> RequestKey? {
        entries.append(Entry(key: key, call: call, sentOn: nil))
        guard entries.count > limit else { return nil }
        let gone = entries.removeFirst().key
        return gone
    }

    /// The session node confirmed `key`.
    package mutating func confirm(_ key: RequestKey) {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return }
        entries.remove(at: i)
        if entries.isEmpty { oldestSentAt = nil }
    }

    /// The pushes not sent on `stream` yet, in order, now marked sent on it at `now`.
    package mutating func takeUnsent(on stream: StreamID, now: VirtualInstant) -> [BackendCall] {
        takeUnsent(onStream: stream.rawValue, now: now)
    }

    /// The pushes not sent on the stream numbered `stream` yet, in order, now marked sent on it at
    /// `now`: for an owner that numbers its streams itself (`ChatCore.SessionStream`).
    package mutating func takeUnsent(onStream stream: UInt64, now: VirtualInstant) -> [BackendCall] {
        var out: [BackendCall] = []
        for i in entries.indices where entries[i].sentOn != stream {
            entries[i].sentOn = stream
            out.append(entries[i].call)
            if i == 0 { oldestSentAt = now }
        }
        return out
    }

    /// Every unconfirmed push is to be sent again (a late confirmation, a new stream).
    package mutating func markAllUnsent() {
        for i in entries.indices { entries[i].sentOn = nil }
    }
}
