import NetModel

extension FrontendCore {
    // MARK: the cluster's events: start, management, backend calls, timers

    /// The frontend starts (after its management link did).
    /// - Returns: the first re-sync timer.
    mutating func start() -> [Action] {
        begin()
        schedule(.resync, after: Self.resyncPeriod)
        return end()
    }

    /// A clean shutdown (before the frontend unregisters): every stream closes, the session node
    /// is told of each push stream's end.
    mutating func shutdown(link: Link) -> [Action] {
        begin(link)
        for id in streams.keys.sorted() { closeStream(id, reason: "shutdown", notifySession: true) }
        return end()
    }

    /// Registered (at start, or again after the manager forgot or removed this node): the session
    /// node hears at once which streams are here, since it may have dropped them when the manager
    /// announced this node had left.
    mutating func becameServing(link: Link) -> [Action] {
        begin(link)
        if let session = link.session, !streams.isEmpty { resync(to: session) }
        return end()
    }

    /// Fenced: a zombie must not keep serving; every stream closes (the session node is not told).
    mutating func stopServing(link: Link) -> [Action] {
        begin(link)
        for id in streams.keys.sorted() { closeStream(id, reason: "fenced", notifySession: false) }
        return end()
    }

    /// A backend call admitted by the shell (right group): the calls a frontend serves as the
    /// backend host of its users' push streams, and the executors' answers to forwarded calls.
    mutating func backendCall(_ call: BackendCall, from source: NodeName, link: Link) -> [Action] {
        begin(link)
        switch call {
        case .deliver(let delivery):
            // One frame per recipient, on each one's stream.
            for recipient in delivery.recipients {
                guard let id = pushStreams[recipient.user] else { continue }   // not here (any more): resent at next login
                send(.push(delivery.frame(for: recipient)), on: id)
                log(NodeLog.pushForwarded, ["push": .number(delivery.pushID), "user": .text(recipient.user),
                                            "seq": .number(UInt64(recipient.seq))])
            }
        case .kickStream(let user, let connection, let reason):
            let id = StreamID(connection)
            guard pushStreams[user] == id else {
                // Already gone: confirm, so the session node stops asking.
                callSession(.sessionLogout(user: user, frontend: name, connection: connection))
                break
            }
            // The session node is told like for any ended stream; it removes by (user, connection),
            // so this cleanup can never erase the newer session.
            closeStream(id, reason: reason, notifySession: true, kick: true)
        case .resyncRequest:
            resync(to: source)
        case .executed(let key, let result):
            executedCall(key, result: result)
        case .sessionLoginAck(let user, let connection):
            let id = StreamID(connection)
            if case .push(let current, _, _) = streams[id], current == user { announced.insert(id) }
        default:
            act(.unexpected(.backend(group: groupID, call), from: source))
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    /// - Parameter now: the clock reading (ns).
    mutating func fire(_ timer: Timer, link: Link, now: Int64) -> [Action] {
        begin(link)
        switch timer {
        case .resync:
            // Anti-entropy: the session node merges the list (newer login wins, stale entries of
            // this frontend dropped), which repairs what lost one-shot messages left inconsistent.
            if link.isServing, let session = link.session { resync(to: session) }
            schedule(.resync, after: Self.resyncPeriod)
        case .announce(let id, let user, let since):
            announce(id, user: user, since: since)
        case .callRetry:
            callTick(now: now)
        }
        return end()
    }

    /// Sends `session` every push stream here, by user, with the connection number up to which the
    /// list is complete (``resyncThrough``), so that a re-sync overtaken by later logins removes
    /// nothing newer.
    mutating func resync(to session: NodeName) {
        send(.sessionResync(frontend: name, entries: resyncEntries, through: resyncThrough), to: session)
    }

    /// The connection number up to which a re-sync's list is complete: every push stream with a
    /// number at or below it that the list leaves out is gone. The newest connection seen, but
    /// below every stream still waiting for its `pushOpen`: such a stream is not listed, and once
    /// accepted its login may reach the session node before this re-sync does (the network
    /// reorders them), where a watermark at or above its number would remove it again and leave
    /// the user unroutable until the next re-sync.
    var resyncThrough: UInt64 {
        var through = newestConnection
        for (id, slot) in streams {
            if case .opened = slot, id.rawValue <= through { through = id.rawValue - 1 }
        }
        return through
    }

    /// The push streams here, sorted by user, as a re-sync lists them.
    var resyncEntries: [ResyncEntry] {
        pushStreams.keys.sorted().compactMap { user -> ResyncEntry? in
            guard let id = pushStreams[user], case .push(_, _, let since) = streams[id] else { return nil }
            return ResyncEntry(user: user, connection: id.rawValue, since: since)
        }
    }
}
