import NetModel

/// The session service (seed 000's 세션서버): which frontend holds each user's push stream, and
/// the push outbox: every push accepted for a user gets a per-user sequence number and stays until
/// the user acknowledges it (or the retention window ends), so it survives reconnects and failovers.
package actor SessionNode: ManagedServer {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var link: ManagementLink
    @exclusivity(unchecked) private var table = SessionTable()
    @exclusivity(unchecked) private var outbox = PushOutbox<PushBody>()
    /// The push, broadcast and kick requests executed, per origin (exactly-once execution).
    @exclusivity(unchecked) private var executed = RequestWindow<ClientResult>()
    /// Backend calls that arrived while the node was not registered (re-registering after a
    /// manager restart): run in order once it serves again, never dropped silently.
    @exclusivity(unchecked) private var held = HeldCalls()
    /// Kicks sent and not confirmed yet (the frontend confirms with the stream's logout): sent
    /// again on the retransmission tick, so a lost kick does not leave two sessions for seconds.
    @exclusivity(unchecked) private var kicks = PendingKicks()
    /// Streams known to have ended (logged out or kicked), so a late login of one is ignored.
    @exclusivity(unchecked) private var endedStreams = EndedStreams()
    /// Frontends asked for their streams and not answered yet, with when they were last asked:
    /// asked again every 500 ms (a lost request or answer would leave their users unmapped until
    /// the next periodic re-sync).
    @exclusivity(unchecked) private var awaitingResync: [NodeName: VirtualInstant] = [:]
    /// The state of each backend service this node hosts (`BackendService`), by name.
    @exclusivity(unchecked) private var backendServices: [String: any BackendServiceState]
    /// This incarnation's outbox generation: a restarted session node numbers pushes afresh.
    private let generation: UInt64
    /// A planted bug for tests: remove by user on logout, ignoring the connection id (the seed's race).
    private let forgetConnectionOnLogout: Bool

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A session node hosting the backend services of `services`. `forgetConnectionOnLogout` plants the seed's stale-cleanup bug (tests only).
    package init(env: any NodeEnvironment, services: ServiceRegistry = .standard, forgetConnectionOnLogout: Bool = false) {
        self.env = env
        backendServices = services.backend.mapValues { $0.makeState() }
        self.forgetConnectionOnLogout = forgetConnectionOnLogout
        link = ManagementLink(env: env)
        generation = env.incarnationID
    }

    /// The session map, sorted by user (for checkers).
    package var entries: [UserSession] { table.entries }

    /// Whether the node serves (registered, not fenced).
    package var isServing: Bool { link.isServing }

    package func start() {
        startManagement()
        scheduleExpiry()
        scheduleRetransmit()
    }

    package func shutdown() { unregisterNow() }

    func becameServing(_ config: NodeConfig) {
        // A restarted session node knows no one: ask every frontend for its live streams.
        for f in config.frontends { askForStreams(f.name) }
        for call in held.takeAll() { handle(call.call, from: call.source) }
    }

    func stopServing() {}

    func membershipChanged(_ notice: MembershipNotice) {
        switch notice {
        case .left(let name, _), .rejoined(let name, _, _):
            guard name.role == .frontend || name.role == .chatDoor else { return }   // a chat door holds push streams too
            let dropped = table.frontendRemoved(name)
            kicks.forget(frontend: name)
            env.log(NodeLog.sessionDropFrontend, ["frontend": .name(name), "users": .number(UInt64(dropped.count))])
            // Registered again: a new incarnation (its streams died) or the same process the
            // manager had lost track of (its streams live, and its own re-sync may have come
            // before this notice): ask it which streams it holds.
            if case .rejoined = notice { askForStreams(name) }
            if case .left = notice { awaitingResync[name] = nil }
        case .joined:
            break
        }
    }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        let source: NodeName
        let message: ClusterMessage
        switch inbound {
        case .message(let envelope):
            source = envelope.source
            message = envelope.payload
            if handleManagement(message, from: source) { return }
        case .streamMessage(_, let peer, let m):
            // Backend calls on a stream (the chat node's): ordered and reliable.
            source = peer
            message = m
        case .streamOpened, .streamClosed:
            return
        }
        guard let call = admittedBackendCall(message, from: source) else { return }
        guard link.isServing else {
            if link.mayServeAgain { held.hold(call, from: source, log: env) }
            return
        }
        handle(call, from: source)
    }

    private func handle(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .sessionLogin(let user, let frontend, let connection, let since):
            backend(.sessionLoginAck(user: user, connection: connection), to: source)
            // A copy (or a retry) of the login of a stream that has ended since must not come
            // back as the newest login and kick the user's real session.
            guard !endedStreams.contains(frontend: frontend, connection: connection) else { return }
            let effects = table.login(user: user, frontend: frontend, connection: connection,
                                      now: VirtualInstant(nanoseconds: since))
            env.log(NodeLog.sessionLogin, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection))])
            apply(effects, reason: "newer-login")
            resend(to: user)
        case .sessionLogout(let user, let frontend, let connection):
            kicks.confirm(user: user, frontend: frontend, connection: connection)
            endedStreams.insert(frontend: frontend, connection: connection)
            var removed = table.logout(user: user, frontend: frontend, connection: connection)
            if forgetConnectionOnLogout, !removed, let entry = table.route(user: user) {
                removed = table.logout(user: user, frontend: entry.frontend, connection: entry.connection)
            }
            env.log(NodeLog.sessionLogout, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection)),
                                                           "removed": .flag(removed)])
        case .sessionResync(let frontend, let listed, let through):
            awaitingResync[frontend] = nil
            // A stream that ended (kicked, or its logout overtook the list) stays ended: if the
            // frontend still lists it, it is closed again.
            let streams = listed.filter { !endedStreams.contains(frontend: frontend, connection: $0.connection) }
            for gone in listed where endedStreams.contains(frontend: frontend, connection: gone.connection) {
                env.log(NodeLog.sessionKick, ["user": .text(gone.user), "frontend": .name(frontend), "conn": .number(gone.connection)])
                kick(user: gone.user, frontend: frontend, connection: gone.connection, reason: "newer-login")
            }
            let effects = table.resync(frontend: frontend, users: streams.map {
                ResyncStream(user: $0.user, connection: $0.connection, since: VirtualInstant(nanoseconds: $0.since))
            }, through: through)
            env.log(NodeLog.sessionResync, ["frontend": .name(frontend), "streams": .number(UInt64(streams.count))])
            apply(effects, reason: "newer-login")
            for s in streams.map(\.user).sorted() where table.route(user: s)?.frontend == frontend { resend(to: s) }
        case .pushTo(let users, let pushID, let body, let acceptedAt, let request):
            execute(request, service: request.origin.role == .chat ? "ChatPush" : "MessageUser", from: source) {
                for user in users { accept(user: user, pushID: pushID, body: body, acceptedAt: acceptedAt) }
                logHeld(pushID, request, users: users.count)
                return .accepted(pushID: pushID)
            }
        case .broadcast(let pushID, let body, let acceptedAt, let request):
            execute(request, service: "Broadcast", from: source) {
                let rows = table.entries
                for row in rows { accept(user: row.user, pushID: pushID, body: body, acceptedAt: acceptedAt) }
                logHeld(pushID, request, users: rows.count)
                return .accepted(pushID: pushID)
            }
        case .ack(let user, let upTo, let gen):
            if gen == generation { _ = outbox.ack(user: user, upTo: upTo) }
        case .kick(let user, let request):
            execute(request, service: "Kick", from: source) {
                if let entry = table.route(user: user) {
                    env.log(NodeLog.sessionKick, ["user": .text(user), "frontend": .name(entry.frontend), "conn": .number(UInt64(entry.connection))])
                    kick(user: user, frontend: entry.frontend, connection: entry.connection, reason: "kicked")
                }
                return .ok
            }
        case .isOnline(let user, let request):
            execute(request, service: "IsOnline", from: source) { .flag(table.isOnline(user)) }
        case .service(let name, let user, let payload, let request):
            execute(request, service: name, from: source) {
                guard backendServices[name] != nil else { return .refused(.unknownService(name)) }
                return backendServices[name]!.execute(payload, user: user)
            }
        default:
            unexpected(.backend(group: env.groupID, call), from: source)
        }
    }

    /// Executes the request `key` at most once: a copy gets the first answer; the caller is
    /// always answered with `executed`.
    private func execute(_ key: RequestKey, service: String, from source: NodeName, _ body: () -> ClientResult) {
        guard let result = executed.executeOnce(key, service: service, log: env, body) else { return }
        backend(.executed(request: key, result: result), to: source)
    }

    /// Asks `frontend` for its live streams, and again every 500 ms until its re-sync comes.
    private func askForStreams(_ frontend: NodeName) {
        awaitingResync[frontend] = env.now
        backend(.resyncRequest, to: frontend)
    }

    /// Closes `user`'s stream `connection` on `frontend`, and keeps asking until it is confirmed.
    private func kick(user: String, frontend: NodeName, connection: UInt64, reason: String) {
        endedStreams.insert(frontend: frontend, connection: connection)
        // A chat door's member names are unique to their connection: its kicks are only logged there.
        if frontend.role == .frontend {
            kicks.add(user: user, frontend: frontend, connection: connection, reason: reason, at: env.now)
        }
        backend(.kickStream(user: user, connection: connection, reason: reason), to: frontend)
    }

    private func logHeld(_ pushID: UInt64, _ key: RequestKey, users: Int) {
        env.log(NodeLog.pushHeld, ["push": .number(pushID), "origin": .name(key.origin), "req": .number(key.id),
                                   "users": .number(UInt64(users))])
    }

    private func apply(_ effects: [SessionEffect], reason: String) {
        for effect in effects {
            if case .kick(let user, let frontend, let connection) = effect {
                env.log(NodeLog.sessionKick, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection))])
                kick(user: user, frontend: frontend, connection: connection, reason: reason)
            }
        }
    }

    private func accept(user: String, pushID: UInt64, body: PushBody, acceptedAt: Int64) {
        let now = env.now
        let route = table.route(user: user)   // nil: offline, the push is kept for the retention window
        let (seq, floor) = outbox.accept(user: user, pushID: pushID, body: body, now: now, sent: route != nil)
        env.log(NodeLog.pushAccepted, ["push": .number(pushID), "user": .text(user), "seq": .number(UInt64(seq)), "gen": .number(UInt64(generation))])
        guard let entry = route else { return }
        backend(.deliver(PushFrame(user: user, seq: seq, pushID: pushID, body: body, acceptedAt: now.nanoseconds,
                                   generation: generation, floor: floor)), to: entry.frontend)
    }

    /// Re-sends everything unacknowledged to the user's (new) push frontend, in order.
    private func resend(to user: String) {
        guard let entry = table.route(user: user) else { return }
        let (pending, floor) = outbox.markSent(user: user, at: env.now)
        for p in pending {
            backend(.deliver(PushFrame(user: user, seq: p.seq, pushID: p.pushID, body: p.body,
                                       acceptedAt: p.acceptedAt.nanoseconds, generation: generation, floor: floor)),
                    to: entry.frontend)
        }
    }

    /// How unacknowledged pushes are sent again (each push on its own clock).
    static let retransmitPolicy = RetransmitPolicy(base: .seconds(1), cap: .seconds(8))

    /// One-shot backend messages can be lost: every 250 ms, each push unacknowledged for its
    /// back-off (1 s, doubling to 8 s per retransmission) is sent again, in seq order (the client
    /// drops duplicates by sequence number). Each push has its own clock: a user who keeps
    /// getting new pushes never starves an older one.
    private func scheduleRetransmit() {
        env.scheduleTimer(after: .milliseconds(250), on: self) { node in
            for frontend in node.awaitingResync.keys.sorted()
            where node.awaitingResync[frontend]!.advanced(by: .milliseconds(500)) <= node.env.now {
                node.askForStreams(frontend)
            }
            for k in node.kicks.takeDue(now: node.env.now, after: .milliseconds(500)) {
                node.backend(.kickStream(user: k.user, connection: k.connection, reason: k.reason), to: k.frontend)
            }
            let due = node.outbox.takeDueRetransmissions(now: node.env.now, policy: Self.retransmitPolicy) {
                node.table.route(user: $0) != nil
            }
            for (user, pushes, floor) in due {
                guard let entry = node.table.route(user: user) else { continue }
                for p in pushes {
                    node.backend(.deliver(PushFrame(user: user, seq: p.seq, pushID: p.pushID, body: p.body,
                                                    acceptedAt: p.acceptedAt.nanoseconds, generation: node.generation,
                                                    floor: floor)), to: entry.frontend)
                }
            }
            node.scheduleRetransmit()
        }
    }

    private func scheduleExpiry() {
        env.scheduleTimer(after: .seconds(1), on: self) { node in
            for gone in node.outbox.expire(now: node.env.now, retention: node.env.settings.pushRetention) {
                node.env.log(NodeLog.pushExpired, ["push": .number(gone.push.pushID), "user": .text(gone.push.user),
                                                                   "seq": .number(UInt64(gone.push.seq))])
            }
            node.scheduleExpiry()
        }
    }
}
