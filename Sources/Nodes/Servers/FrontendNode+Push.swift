import NetModel

extension FrontendNode {
    /// The first frame of a push stream: check the token, renew it with this node as the push
    /// frontend, tell the session node.
    func openPush(_ id: StreamID, peer: NodeName, token: String) {
        guard link.isServing else { return rejectPush(id, peer: peer, "not-serving") }
        // Without a registered session node the stream could not be routed to: refuse it, the
        // client retries (the session node's arrival is announced by the manager).
        guard sessionNode != nil else { return rejectPush(id, peer: peer, "no-session-node") }
        let claims: TokenClaims
        switch verify(token) {
        case .success(let c): claims = c
        case .failure(.expired): return rejectPush(id, peer: peer, Refusal.expiredToken.label)
        case .failure(let error): return rejectPush(id, peer: peer, Refusal.badToken("\(error)").label)
        }
        let user = claims.sub
        if let older = pushStreams[user], older != id {
            // The same user again on this frontend: the newer stream wins here too.
            closeStream(older, reason: "newer-login", notifySession: false, kick: true)
        }
        let since = env.now.nanoseconds
        streams[id] = .push(user: user, peer: peer, since: since)
        pushStreams[user] = id
        let now = nowSeconds
        let renewed = issue(TokenClaims(sub: user, iat: now,
                                        exp: now + Int64(env.settings.tokenLifetime.components.seconds),
                                        push: env.name.description))
        env.send(.pushOpened(token: renewed), on: id)
        env.log(NodeLog.streamAccepted, ["user": .text(user), "conn": .number(UInt64(id.rawValue))])
        announce(id, user: user, since: since)
    }

    /// Tells the session node about the stream, again every 500 ms until it acknowledges (a lost
    /// login would leave the user unroutable, or with two sessions, until the next re-sync).
    private func announce(_ id: StreamID, user: String, since: Int64) {
        guard case .push(let current, _, _) = streams[id], current == user, !announced.contains(id) else { return }
        callSession(.sessionLogin(user: user, frontend: env.name, connection: id.rawValue, since: since))
        env.scheduleTimer(after: .milliseconds(500), on: self) { node in node.announce(id, user: user, since: since) }
    }

    private func rejectPush(_ id: StreamID, peer: NodeName, _ reason: String) {
        env.log(NodeLog.requestRejected, ["client": .name(peer), "service": .text("PushOpen"), "reason": .text(reason)])
        env.send(.pushRejected(reason: reason), on: id)
        env.transport.closeStream(id)
        streams[id] = nil
    }

    /// Ends a stream (closed by the peer, kicked, fenced, shut down).
    func closeStream(_ id: StreamID, reason: String, notifySession: Bool, alreadyClosed: Bool = false,
                     kick: Bool = false) {
        guard let slot = streams.removeValue(forKey: id) else { return }
        announced.remove(id)
        if case .push(let user, _, _) = slot {
            if pushStreams[user] == id { pushStreams[user] = nil }
            env.log(NodeLog.streamEnded, ["user": .text(user), "conn": .number(UInt64(id.rawValue)), "reason": .text(reason)])
            if notifySession {
                callSession(.sessionLogout(user: user, frontend: env.name, connection: id.rawValue))
            }
            if kick && !alreadyClosed { env.send(.kicked(reason: reason), on: id) }
        }
        if case .gateway = slot { failPending(on: id) }
        if !alreadyClosed { env.transport.closeStream(id) }
    }

    /// A gateway's connection closed: the requests it carried have no one to answer. Their
    /// handlers' waiting calls end (no more retries) and nothing is sent back.
    private func failPending(on id: StreamID) {
        for request in running.keys.sorted() where running[request]?.route == .stream(id) {
            running[request]?.route = nil
            for key in calls.keys.sorted() where key.origin == request.origin && key.id == request.id {
                let call = calls.removeValue(forKey: key)
                running[request]?.relayed = .frontendUnavailable
                call?.waiter.resume(returning: .refused(.frontendUnavailable))
            }
        }
    }

    /// A client's cumulative acknowledgement goes to the session node's outbox.
    func forwardAck(user: String, upTo: UInt64, generation: UInt64) {
        callSession(.ack(user: user, upTo: upTo, generation: generation))
    }

    /// Backend calls a frontend serves (as backend host).
    func handleBackend(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .deliver(let frame):
            guard let id = pushStreams[frame.user] else { return }   // not here (any more): resent at next login
            env.send(.push(frame), on: id)
            env.log(NodeLog.pushForwarded, ["push": .number(frame.pushID), "user": .text(frame.user), "seq": .number(UInt64(frame.seq))])
        case .kickStream(let user, let connection, let reason):
            let id = StreamID(connection)
            guard pushStreams[user] == id else {
                // Already gone: confirm, so the session node stops asking.
                return callSession(.sessionLogout(user: user, frontend: env.name, connection: connection))
            }
            // The session node is told like for any ended stream; it removes by (user, connection),
            // so this cleanup can never erase the newer session.
            closeStream(id, reason: reason, notifySession: true, kick: true)
        case .resyncRequest:
            let entries = pushStreams.keys.sorted().compactMap { user -> ResyncEntry? in
                guard let id = pushStreams[user], case .push(_, _, let since) = streams[id] else { return nil }
                return ResyncEntry(user: user, connection: id.rawValue, since: since)
            }
            backend(.sessionResync(frontend: env.name, entries: entries, through: newestConnection), to: source)
        case .executed(let key, let result):
            executedCall(key, result: result)
        case .sessionLoginAck(let user, let connection):
            let id = StreamID(connection)
            if case .push(let current, _, _) = streams[id], current == user { announced.insert(id) }
        default:
            unexpected(.backend(group: env.groupID, call), from: source)
        }
    }
}
