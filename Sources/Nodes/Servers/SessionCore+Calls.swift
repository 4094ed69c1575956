import NetModel

// The backend calls the session node executes: logins, logouts, re-syncs, pushes, acks, kicks,
// is-online and the hosted backend services.
extension SessionCore {
    /// Runs one backend call (the node serves).
    mutating func handle(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .batch(let calls):
            // The chat node's pushes of one of its turns: each as if alone (never nested).
            for one in calls {
                if case .batch = one { unexpected(one, from: source) } else { handle(one, from: source) }
            }
        case .sessionLogin(let user, let frontend, let connection, let since):
            backend(.sessionLoginAck(user: user, connection: connection), to: source)
            // A copy (or a retry) of the login of a stream that has ended since must not come
            // back as the newest login and kick the user's real session.
            guard !endedStreams.contains(frontend: frontend, connection: connection) else { return }
            let effects = table.login(user: user, frontend: frontend, connection: connection,
                                      now: VirtualInstant(nanoseconds: since))
            log(NodeLog.sessionLogin, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection))])
            apply(effects, reason: "newer-login")
            resend(to: user)
        case .sessionLogout(let user, let frontend, let connection):
            confirmKick(user: user, frontend: frontend, connection: connection)
            endedStreams.insert(frontend: frontend, connection: connection)
            var removed = table.logout(user: user, frontend: frontend, connection: connection)
            if forgetConnectionOnLogout, !removed, let entry = table.route(user: user) {
                removed = table.logout(user: user, frontend: entry.frontend, connection: entry.connection)
            }
            log(NodeLog.sessionLogout, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection)),
                                        "removed": .flag(removed)])
        case .sessionResync(let frontend, let listed, let through):
            answered(frontend)
            // A stream that ended (kicked, or its logout overtook the list) stays ended: if the
            // frontend still lists it, it is closed again.
            let streams = listed.filter { !endedStreams.contains(frontend: frontend, connection: $0.connection) }
            for gone in listed where endedStreams.contains(frontend: frontend, connection: gone.connection) {
                log(NodeLog.sessionKick, ["user": .text(gone.user), "frontend": .name(frontend), "conn": .number(gone.connection)])
                kick(user: gone.user, frontend: frontend, connection: gone.connection, reason: "newer-login")
            }
            let effects = table.resync(frontend: frontend, users: streams.map {
                ResyncStream(user: $0.user, connection: $0.connection, since: VirtualInstant(nanoseconds: $0.since))
            }, through: through)
            log(NodeLog.sessionResync, ["frontend": .name(frontend), "streams": .number(UInt64(streams.count))])
            apply(effects, reason: "newer-login")
            for s in streams.map(\.user).sorted() {
                // The route found once, for the check and the resend (every user, on every re-sync).
                if let entry = table.route(user: s), entry.frontend == frontend { resend(to: s, via: entry) }
            }
        case .pushTo(let users, let pushID, let body, _, let request):
            execute(request, service: request.origin.role == .chat ? "ChatPush" : "MessageUser", from: source) { core in
                var fanOut = PushFanOut(expected: users.count)
                for user in users { core.accept(user: user, pushID: pushID, body: body, into: &fanOut) }
                core.send(fanOut, pushID: pushID, body: body)
                core.logHeld(pushID, request, users: users.count)
                return .accepted(pushID: pushID)
            }
        case .broadcast(let pushID, let body, _, let request):
            execute(request, service: "Broadcast", from: source) { core in
                let rows = core.table.entries
                var fanOut = PushFanOut(expected: rows.count)
                for row in rows { core.accept(user: row.user, pushID: pushID, body: body, into: &fanOut) }
                core.send(fanOut, pushID: pushID, body: body)
                core.logHeld(pushID, request, users: rows.count)
                return .accepted(pushID: pushID)
            }
        case .ack(let user, let upTo, let gen):
            // The retransmission and expiry timers stay armed: one that fires with nothing due re-arms.
            if gen == generation { outbox.ack(user: user, upTo: upTo) }
        case .acks(let acks):
            for ack in acks where ack.generation == generation { outbox.ack(user: ack.user, upTo: ack.upTo) }
        case .kick(let user, let request):
            execute(request, service: "Kick", from: source) { core in
                if let entry = core.table.route(user: user) {
                    core.log(NodeLog.sessionKick, ["user": .text(user), "frontend": .name(entry.frontend),
                                                   "conn": .number(UInt64(entry.connection))])
                    core.kick(user: user, frontend: entry.frontend, connection: entry.connection, reason: "kicked")
                }
                return .ok
            }
        case .isOnline(let user, let request):
            execute(request, service: "IsOnline", from: source) { core in .flag(core.table.isOnline(user)) }
        case .service(let name, let user, let payload, let request):
            execute(request, service: name, from: source) { core in
                guard core.backendServices[name] != nil else { return .refused(.unknownService(name)) }
                return core.backendServices[name]!.execute(payload, user: user)
            }
        default:
            unexpected(call, from: source)
        }
    }

    /// Executes the request `key` at most once: a copy gets the first answer; the caller is
    /// always answered with `executed` (unless the first copy is still executing).
    private mutating func execute(_ key: RequestKey, service: String, from source: NodeName,
                                  _ body: (inout SessionCore) -> ClientResult) {
        let result: ClientResult
        switch executed.admit(key, service: service) {
        case .execute(let record):
            log(NodeLog.requestExecuted, record)
            result = body(&self)
            executed.finish(key, answer: result)
        case .answer(let answer, let label, let record):
            log(label, record)
            result = answer
        case .inProgress:
            return
        }
        backend(.executed(request: key, result: result), to: source)
    }

    /// Asks `frontend` for its live streams, and again every `resendInterval` until its re-sync comes.
    mutating func askForStreams(_ frontend: NodeName) {
        awaitingResync[frontend] = now
        want(.resyncAsk, at: now.advanced(by: Self.resendInterval))
        backend(.resyncRequest, to: frontend)
    }

    /// `frontend`'s re-sync came: it is not asked again.
    private mutating func answered(_ frontend: NodeName) {
        awaitingResync[frontend] = nil
        if awaitingResync.isEmpty { unwant(.resyncAsk) }
    }

    /// Closes `user`'s stream `connection` on `frontend`, and keeps asking until it is confirmed.
    private mutating func kick(user: String, frontend: NodeName, connection: UInt64, reason: String) {
        endedStreams.insert(frontend: frontend, connection: connection)
        // A chat door's member names are unique to their connection: its kicks are only logged there.
        if frontend.role == .frontend {
            kicks.add(user: user, frontend: frontend, connection: connection, reason: reason, at: now)
            want(.kickResend, at: now.advanced(by: Self.resendInterval))
        }
        backend(.kickStream(user: user, connection: connection, reason: reason), to: frontend)
    }

    /// The stream's logout confirms its kick (if there was one).
    private mutating func confirmKick(user: String, frontend: NodeName, connection: UInt64) {
        kicks.confirm(user: user, frontend: frontend, connection: connection)
        if kicks.count == 0 { unwant(.kickResend) }
    }

    private mutating func logHeld(_ pushID: UInt64, _ key: RequestKey, users: Int) {
        log(NodeLog.pushHeld, ["push": .number(pushID), "origin": .name(key.origin), "req": .number(key.id),
                               "users": .number(UInt64(users))])
    }

    private mutating func apply(_ effects: [SessionEffect], reason: String) {
        for effect in effects {
            if case .kick(let user, let frontend, let connection) = effect {
                log(NodeLog.sessionKick, ["user": .text(user), "frontend": .name(frontend), "conn": .number(UInt64(connection))])
                kick(user: user, frontend: frontend, connection: connection, reason: reason)
            }
        }
    }

    /// Accepts a push for `user`: numbered, kept until acknowledged or `retention` is over, and
    /// added to `fanOut` (sent with the other recipients on the same push frontend) when the user
    /// has a route.
    private mutating func accept(user: String, pushID: UInt64, body: PushBody, into fanOut: inout PushFanOut) {
        let route = table.route(user: user)   // nil: offline, the push is kept for the retention window
        // Runs out of retention `retention` after now; sent now, due for a retransmission
        // `retransmitPolicy.base` after now. The user's marks are lowered in the same lookup.
        let expiry = VirtualInstant(nanoseconds: now.nanoseconds &+ retentionNanoseconds)
        let retransmit = VirtualInstant(nanoseconds: now.nanoseconds &+ Self.retransmitBaseNanoseconds)
        let accepted = outbox.accept(user: user, pushID: pushID, body: body, now: now, sent: route != nil,
                                     expiryMark: expiry, retransmitMark: retransmit)
        let generation = generation   // read before `log`'s mutating access (its detail is an autoclosure)
        log(NodeLog.pushAccepted, ["push": .number(pushID), "user": .text(user), "seq": .number(UInt64(accepted.seq)),
                                   "gen": .number(UInt64(generation))])
        if accepted.expiryLowered { expiryDue.insert(user, at: expiry) }
        want(.expiry, at: expiry)
        guard let entry = route else { return }
        if accepted.retransmitLowered { retransmitDue.insert(user, at: retransmit) }
        want(.retransmit, at: retransmit)
        fanOut.add(PushRecipient(user: user, seq: accepted.seq, floor: accepted.floor), via: entry.frontend)
    }

    /// Sends a push just accepted: one delivery per push frontend, with every recipient there.
    private mutating func send(_ fanOut: PushFanOut, pushID: UInt64, body: PushBody) {
        for group in fanOut.groups {
            backend(.deliver(PushDelivery(pushID: pushID, body: body, acceptedAt: now.nanoseconds, generation: generation,
                                          recipients: group.recipients)), to: group.frontend)
        }
    }

    /// Re-sends everything unacknowledged to the user's (new) push frontend, in order.
    private mutating func resend(to user: String) {
        guard let entry = table.route(user: user) else { return }
        resend(to: user, via: entry)
    }

    /// Re-sends everything unacknowledged to `user` through `entry`, the user's route.
    private mutating func resend(to user: String, via entry: SessionEntry) {
        let (pending, floor) = outbox.markSent(user: user, at: now)
        if !pending.isEmpty { sentPushes(to: user) }
        for p in pending { deliver(p, floor: floor, to: entry.frontend) }
    }

    /// Sends one pending push to `frontend`.
    mutating func deliver(_ p: PendingPush<PushBody>, floor: UInt64, to frontend: NodeName) {
        backend(.deliver(PushDelivery(pushID: p.pushID, body: p.body, acceptedAt: p.acceptedAt.nanoseconds, generation: generation,
                                      recipients: [PushRecipient(user: p.user, seq: p.seq, floor: floor)])), to: frontend)
    }
}

/// The recipients of one push being accepted, grouped by their push frontend (each frontend in
/// the order its first recipient came up, recipients in the order accepted): one `PushDelivery`
/// per group. A group holds at most `maxRecipients`; more recipients on one frontend (a broadcast
/// to tens of thousands) start another group, so a delivery stays far below a TCP frame's 1 MiB.
struct PushFanOut {
    /// The most recipients in one delivery (about 25 bytes each on the wire).
    static let maxRecipients = 1_024
    /// The groups.
    private(set) var groups: [(frontend: NodeName, recipients: [PushRecipient])] = []
    /// The group the last recipient went to (consecutive recipients mostly share a frontend).
    private var last = 0
    /// How many recipients may still come (a hint: the arrays are allocated once at that size
    /// instead of growing one recipient at a time).
    private var expected: Int

    /// An empty fan-out for about `expected` recipients.
    init(expected: Int = 0) { self.expected = expected }

    /// Adds `recipient`, whose stream is on `frontend`.
    mutating func add(_ recipient: PushRecipient, via frontend: NodeName) {
        if last >= groups.count || groups[last].frontend != frontend {
            last = groups.lastIndex(where: { $0.frontend == frontend }) ?? groups.count
        }
        if last == groups.count || groups[last].recipients.count >= Self.maxRecipients {
            if groups.isEmpty { groups.reserveCapacity(min(max(expected, 1), 8)) }
            last = groups.count
            var recipients: [PushRecipient] = []
            recipients.reserveCapacity(min(max(expected, 1), Self.maxRecipients))
            groups.append((frontend, recipients))
        }
        groups[last].recipients.append(recipient)
        expected -= 1
    }
}
