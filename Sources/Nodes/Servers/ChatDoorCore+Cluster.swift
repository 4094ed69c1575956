import NetModel

extension ChatDoorCore {
    // MARK: the cluster's events: start, management, the chat stream, timers

    /// The door starts (after its management link did).
    /// - Returns: the first re-sync timer.
    mutating func start(now: VirtualInstant) -> [Action] {
        begin(link, now)
        schedule(.resync, after: Self.resyncPeriod)
        return end()
    }

    /// A clean shutdown (before the door unregisters): every member leaves the rooms and the session.
    mutating func shutdown(link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        for id in members.keys.sorted() { close(id) }
        return end()
    }

    /// Registration accepted: every member goes to the session node.
    mutating func becameServing(link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        resyncSession()
        return end()
    }

    /// Fenced: every member is told, and the refusal logged.
    mutating func stopServing(link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        log(NodeLog.chatDoorRefused, ["user": .text("*"), "reason": .text("fenced")])
        effects(members.keys.sorted().map { .system(to: $0, text: ChatText.fenced) })
        return end()
    }

    /// A membership notice: a chat node that left (or restarted) knows no one any more, so its
    /// stream closes; the next command opens a new one, which connects every member again first.
    mutating func membershipChanged(_ notice: MembershipNotice, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        switch notice {
        case .left(let node, _), .rejoined(let node, _, _):
            if chatStream?.node == node { dropChatStream() }
        case .joined:
            break
        }
        return end()
    }

    /// A message from the manager (before the link handles it): a registration or a pong that
    /// carries a configuration lists the peers' addresses.
    mutating func managerSaid(_ message: ClusterMessage) {
        switch message {
        case .registerAccepted(_, let config), .pong(true, let config?): heard = config
        default: break
        }
    }

    /// The chat stream `stream` closed: the next command opens a new one.
    mutating func chatStreamClosed(_ stream: ChatStream) {
        if chatStream?.stream == stream { chatStream = nil }
    }

    /// After every inbound message or stream event: when `isReady` changed, the chat server is
    /// told (and, when it became ready, every member goes to the session node at once rather
    /// than at the next re-sync).
    mutating func checkReadiness(link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        let ready = isReady(link)
        if ready != reportedReady {
            reportedReady = ready
            if ready { resyncSession() }
            readinessChanged(ready)
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    mutating func fire(_ timer: Timer, link: Link, now: VirtualInstant) -> [Action] {
        begin(link, now)
        switch timer {
        case .resync:
            if link.isServing { resyncSession() }
            schedule(.resync, after: Self.resyncPeriod)
        case .flushAcks:
            flushAcks()
        }
        return end()
    }

    /// Sends every member to the session node (the list is authoritative for this door).
    mutating func resyncSession() {
        let entries = members.values.sorted { $0.user < $1.user }.map {
            ResyncEntry(user: $0.user, connection: $0.connection, since: $0.since)
        }
        callSession(.sessionResync(frontend: name, entries: entries, through: nextConnection - 1))
    }

    /// Sends `call` to the session node, when there is one to call.
    mutating func callSession(_ call: BackendCall) {
        if let session = sessionNode(link) { send(call, to: session) }
    }
}
