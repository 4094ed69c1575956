import NetModel

extension FrontendCore {
    // MARK: stream events

    /// A peer opened stream `id`: its first frame says what it is.
    mutating func streamOpened(_ id: StreamID, peer: NodeName) {
        streams[id] = .opened(peer: peer)
        newestConnection = max(newestConnection, id.rawValue)
    }

    /// A frame on stream `id`: a push stream's `pushOpen` or acknowledgement, or a gateway's request.
    /// - Parameters:
    ///   - now: the clock reading (ns).
    ///   - seconds: the token clock (`NodeEnvironment.tokenSeconds`).
    mutating func streamFrame(_ id: StreamID, peer: NodeName, _ message: ClusterMessage, link: Link, now: Int64,
                              seconds: Int64) -> [Action] {
        begin(link)
        guard let slot = streams[id] else { return end() }
        switch (slot, message) {
        case (.opened, .pushOpen(let token)):
            openPush(id, peer: peer, token: token, now: now, seconds: seconds)
        case (.opened, .request(let request)):
            streams[id] = .gateway(peer: peer)
            serve(request, route: .stream(id), client: request.origin ?? peer, seconds: seconds)
        case (.gateway, .request(let request)):
            serve(request, route: .stream(id), client: request.origin ?? peer, seconds: seconds)
        case (.push(let user, _, _), .pushAck(let upTo, let generation)):
            // A client's cumulative acknowledgement goes to the session node's outbox.
            callSession(.ack(user: user, upTo: upTo, generation: generation))
        default:
            act(.unexpected(message, from: peer))
        }
        return end()
    }

    /// Stream `id` closed at the transport (`reason` its trace label).
    mutating func streamClosed(_ id: StreamID, reason: String, link: Link) -> [Action] {
        begin(link)
        closeStream(id, reason: reason, notifySession: true, alreadyClosed: true)
        return end()
    }

    // MARK: push streams

    /// The first frame of a push stream: check the token, renew it with this node as the push
    /// frontend, tell the session node.
    private mutating func openPush(_ id: StreamID, peer: NodeName, token: String, now: Int64, seconds: Int64) {
        guard link.isServing else { return rejectPush(id, peer: peer, "not-serving") }
        // Without a registered session node the stream could not be routed to: refuse it, the
        // client retries (the session node's arrival is announced by the manager).
        guard link.session != nil else { return rejectPush(id, peer: peer, "no-session-node") }
        let claims: TokenClaims
        switch verify(token, seconds: seconds) {
        case .success(let c): claims = c
        case .failure(.expired): return rejectPush(id, peer: peer, Refusal.expiredToken.label)
        case .failure(let error): return rejectPush(id, peer: peer, Refusal.badToken("\(error)").label)
        }
        let user = claims.sub
        if let older = pushStreams[user], older != id {
            // The same user again on this frontend: the newer stream wins here too.
            closeStream(older, reason: "newer-login", notifySession: false, kick: true)
        }
        streams[id] = .push(user: user, peer: peer, since: now)
        pushStreams[user] = id
        let renewed = issue(TokenClaims(sub: user, iat: seconds, exp: seconds + tokenLifetime, push: name.description))
        send(.pushOpened(token: renewed), on: id)
        log(NodeLog.streamAccepted, ["user": .text(user), "conn": .number(UInt64(id.rawValue))])
        announce(id, user: user, since: now)
    }

    /// Tells the session node about the stream, again every `announceRetry` until it
    /// acknowledges (a lost login would leave the user unroutable, or with two sessions, until
    /// the next re-sync).
    mutating func announce(_ id: StreamID, user: String, since: Int64) {
        guard case .push(let current, _, _) = streams[id], current == user, !announced.contains(id) else { return }
        callSession(.sessionLogin(user: user, frontend: name, connection: id.rawValue, since: since))
        schedule(.announce(id, user: user, since: since), after: Self.announceRetry)
    }

    private mutating func rejectPush(_ id: StreamID, peer: NodeName, _ reason: String) {
        log(NodeLog.requestRejected, ["client": .name(peer), "service": .text("PushOpen"), "reason": .text(reason)])
        send(.pushRejected(reason: reason), on: id)
        closeTransportStream(id)
        streams[id] = nil
    }

    /// Ends a stream (closed by the peer, kicked, fenced, shut down).
    mutating func closeStream(_ id: StreamID, reason: String, notifySession: Bool, alreadyClosed: Bool = false,
                              kick: Bool = false) {
        guard let slot = streams.removeValue(forKey: id) else { return }
        announced.remove(id)
        if case .push(let user, _, _) = slot {
            if pushStreams[user] == id { pushStreams[user] = nil }
            log(NodeLog.streamEnded, ["user": .text(user), "conn": .number(UInt64(id.rawValue)), "reason": .text(reason)])
            if notifySession {
                callSession(.sessionLogout(user: user, frontend: name, connection: id.rawValue))
            }
            if kick && !alreadyClosed { send(.kicked(reason: reason), on: id) }
        }
        if case .gateway = slot { failPending(on: id) }
        if !alreadyClosed { closeTransportStream(id) }
    }

    /// A gateway's connection closed: the requests it carried have no one to answer. Their
    /// handlers' waiting calls end (no more retries) and nothing is sent back.
    private mutating func failPending(on id: StreamID) {
        for request in running.keys.sorted() where running[request]?.route == .stream(id) {
            running[request]?.route = nil
            for key in calls.keys.sorted() where key.origin == request.origin && key.id == request.id {
                calls[key] = nil
                resume(key, .refused(.frontendUnavailable))
            }
        }
        calls.giveBackBurstRoom()
    }
}
