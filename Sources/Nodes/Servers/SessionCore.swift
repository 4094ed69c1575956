import NetModel

/// The session node's logic as a value type (seed 000's 세션서버): which frontend holds each
/// user's push stream (`SessionTable`), the push outbox (every push accepted for a user gets a
/// per-user sequence number and stays until the user acknowledges it or the retention window
/// ends), exactly-once execution of pushes, broadcasts, kicks, is-online and the backend
/// services, calls held while the node registers, kicks until confirmed, and the re-sync of
/// frontends' streams. A push to several users goes to each push frontend as one `PushDelivery`
/// carrying every recipient there (`PushFanOut`); resends and retransmissions go per user. What
/// one event sends to the chat node and to each chat door goes as one `batch` per destination at
/// the event's end (`CallBatch.Outgoing`); a `batch` that comes in is taken call by call. Each
/// event (a backend call, a management-link event, a timer) goes in
/// with the clock reading and comes out as the actions `SessionNode`, the actor shell, carries
/// out in order; a message to send comes out built (`Action.send`, with the group id).
///
/// **Deadline-driven.** No periodic tick: each of the four `Timer`s is armed at the instant its
/// work next falls due — the next push retransmission, the next kick sent again, the next
/// frontend asked again for its streams, the next push given up. Work that comes due earlier
/// than the armed instant (a push sent now is due again in 1 s) moves the timer earlier; work
/// that goes away (an ack) leaves it: a timer that fires with nothing due re-arms at the next due
/// instant. Users with pending pushes are indexed by the instant their next retransmission and
/// expiry fall due (`DeadlineQueue`; each user's live entry is its `DeadlineMarks` instant, kept
/// with its pushes in the outbox, so an accept and its indexing are one lookup, and an entry that
/// comes up is checked against the user's pushes in one lookup, `PushOutbox.check`), so a firing
/// costs a few heap steps per user due, never a scan of every user.
struct SessionCore {
    /// What the shell does.
    enum Action: Equatable {
        /// Send `message` (a backend call, already wrapped with the cluster's group id) to a node.
        /// The message is built once, in the core: the shell hands it to the transport as it is
        /// (taking a `BackendCall` out of an action and wrapping it again cost a copy of the call).
        case send(ClusterMessage, to: NodeName)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record a backend call the session node does not take.
        case unexpected(BackendCall, from: NodeName)
        /// Call `fire(timer, now:)` after `after` (the timer is not armed already).
        case schedule(Timer, after: Duration)
        /// Disarm a timer scheduled before (it must not fire).
        case cancel(Timer)
    }

    /// The session node's timers, each armed at most once, in the order the shell is told about them.
    enum Timer: Hashable, Sendable, CaseIterable {
        /// Frontends asked for their streams and not answered: ask again.
        case resyncAsk
        /// Kicks not confirmed by their stream's logout: send again.
        case kickResend
        /// Unacknowledged pushes whose back-off ran out: send again.
        case retransmit
        /// Pushes unacknowledged for the whole retention window: give up.
        case expiry
    }

    /// An instant per timer (nil: none), as plain fields: read and compared on every event.
    struct TimerInstants: Equatable {
        private var resyncAsk, kickResend, retransmit, expiry: VirtualInstant?

        /// The instant of `timer`.
        subscript(timer: Timer) -> VirtualInstant? {
            get {
                switch timer {
                case .resyncAsk: resyncAsk
                case .kickResend: kickResend
                case .retransmit: retransmit
                case .expiry: expiry
                }
            }
            set {
                switch timer {
                case .resyncAsk: resyncAsk = newValue
                case .kickResend: kickResend = newValue
                case .retransmit: retransmit = newValue
                case .expiry: expiry = newValue
                }
            }
        }
    }

    /// Where the node stands with the manager when a call arrives.
    enum Link: Equatable, Sendable {
        /// Registered: calls run.
        case serving
        /// Not registered yet (first start, or again after a manager restart): calls are held.
        case registering
        /// Fenced or leaving: calls are dropped.
        case stopped
    }

    /// How unacknowledged pushes are sent again (each push on its own clock): 1 s after it was
    /// sent, doubling to 8 s per retransmission.
    static let retransmitPolicy = RetransmitPolicy(base: .seconds(1), cap: .seconds(8))
    /// How long an unconfirmed kick, or an unanswered request for a frontend's streams, waits
    /// before it is sent again.
    static let resendInterval: Duration = .milliseconds(500)

    /// The session map.
    var table = SessionTable()
    /// Pushes accepted and not acknowledged, per user.
    var outbox = PushOutbox<PushBody>()
    /// The push, broadcast, kick and service requests executed, per origin (exactly-once execution).
    var executed = RequestWindow<ClientResult>()
    /// Backend calls that arrived while the node was not registered (re-registering after a
    /// manager restart): run in order once it serves again, never dropped silently.
    private(set) var held = HeldCalls()
    /// Kicks sent and not confirmed yet (the frontend confirms with the stream's logout): sent
    /// again, so a lost kick does not leave two sessions for seconds.
    var kicks = PendingKicks()
    /// Streams known to have ended (logged out or kicked), so a late login of one is ignored.
    var endedStreams = EndedStreams()
    /// Frontends asked for their streams and not answered yet, with when they were last asked
    /// (a lost request or answer would leave their users unmapped until the next periodic re-sync).
    var awaitingResync: [NodeName: VirtualInstant] = [:]
    /// The state of each backend service this node hosts (`BackendService`), by name.
    var backendServices: [String: any BackendServiceState]
    /// This incarnation's outbox generation: a restarted session node numbers pushes afresh.
    let generation: UInt64
    /// The cluster's group id, on every backend call sent.
    let group: String
    /// How long an unacknowledged push is kept.
    let retention: Duration
    /// `retention` in nanoseconds (read on every push accepted).
    let retentionNanoseconds: Int64
    /// A planted bug for tests: remove by user on logout, ignoring the connection id (the seed's race).
    let forgetConnectionOnLogout: Bool
    /// Users with pushes to send again, by when the next one falls due (entries may be stale).
    var retransmitDue = DeadlineQueue()
    /// Users with pushes to give up, by when the next one runs out of retention (entries may be stale).
    var expiryDue = DeadlineQueue()
    /// When each armed timer is due.
    private(set) var armed = TimerInstants()
    /// Whether the node's trace records (`NodeEnvironment.recordsNodeEvents`): when it does not
    /// (a real node process nobody traces), no `.log` action is made, nor its detail built.
    var recordsEvents = true

    /// The clock reading of the event being handled.
    private(set) var now: VirtualInstant = .zero
    /// When each timer is to be armed at the end of the event being handled.
    private var plan = TimerInstants()
    /// Whether the event being handled changed `plan`.
    private var replanned = false
    /// The actions of the event being handled.
    private var actions = ActionList<Action>()
    /// The calls of the event being handled for the chat node and the chat doors (sent at its end).
    private var batched = CallBatch.Outgoing()

    /// A session core of outbox generation `generation` in the cluster `group`, keeping pushes for
    /// `retention`, hosting `backendServices`. Use `makeSessionCore(…)`.
    init(generation: UInt64, group: String, retention: Duration, backendServices: [String: any BackendServiceState],
         forgetConnectionOnLogout: Bool) {
        self.generation = generation
        self.group = group
        self.retention = retention
        retentionNanoseconds = retention.nanosecondsClamped
        self.backendServices = backendServices
        self.forgetConnectionOnLogout = forgetConnectionOnLogout
    }

    // MARK: reading

    /// The session map, sorted by user (for checkers).
    var entries: [UserSession] { table.entries }

    // MARK: events

    /// Registration accepted (first time, or again after a manager restart): ask every frontend
    /// for its live streams (a restarted session node knows no one), then run the held calls.
    mutating func becameServing(_ config: NodeConfig, now: VirtualInstant) -> [Action] {
        begin(now)
        for f in config.frontends { askForStreams(f.name) }
        for call in held.takeAll() { handle(call.call, from: call.source) }
        return end()
    }

    /// A membership notice: a push frontend (or chat door) that left or registered again loses
    /// its users; one that registered again is asked for its streams.
    mutating func membershipChanged(_ notice: MembershipNotice, now: VirtualInstant) -> [Action] {
        begin(now)
        switch notice {
        case .left(let name, _), .rejoined(let name, _, _):
            guard name.role == .frontend || name.role == .chatDoor else { break }   // a chat door holds push streams too
            let dropped = table.frontendRemoved(name)
            kicks.forget(frontend: name)
            log(NodeLog.sessionDropFrontend, ["frontend": .name(name), "users": .number(UInt64(dropped.count))])
            // Registered again: a new incarnation (its streams died) or the same process the
            // manager had lost track of (its streams live, and its own re-sync may have come
            // before this notice): ask it which streams it holds.
            if case .rejoined = notice { askForStreams(name) }
            if case .left = notice { awaitingResync[name] = nil }
        case .joined:
            break
        }
        return end()
    }

    /// A backend call from `source` (its group id already checked by the shell).
    /// - Returns: its answer and effects when the node serves; nothing while it registers (the
    ///   call is held) or once it stopped.
    mutating func call(_ call: BackendCall, from source: NodeName, link: Link, now: VirtualInstant) -> [Action] {
        begin(now)
        switch link {
        case .serving:
            handle(call, from: source)
        case .registering:
            if !held.hold(call, from: source) { log(NodeLog.callDropped, HeldCalls.dropRecord(call, from: source)) }
        case .stopped:
            break
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    /// - Returns: what is due now, sent again or given up (nothing when what armed it went away).
    mutating func fire(_ timer: Timer, now: VirtualInstant) -> [Action] {
        begin(now)
        armed[timer] = nil
        plan[timer] = nil
        replanned = true
        switch timer {
        case .resyncAsk:
            for frontend in awaitingResync.keys.sorted()
            where awaitingResync[frontend]!.advanced(by: Self.resendInterval) <= now {
                askForStreams(frontend)
            }
            if let next = awaitingResync.values.min() { want(.resyncAsk, at: next.advanced(by: Self.resendInterval)) }
        case .kickResend:
            for k in kicks.takeDue(now: now, after: Self.resendInterval) {
                backend(.kickStream(user: k.user, connection: k.connection, reason: k.reason), to: k.frontend)
            }
            if let next = kicks.nextDue(after: Self.resendInterval) { want(.kickResend, at: next) }
        case .retransmit:
            retransmitDuePushes()
        case .expiry:
            expireDuePushes()
        }
        return end()
    }

    // MARK: timers

    /// `timer` must fire by `at`: armed then, unless it is armed earlier already.
    mutating func want(_ timer: Timer, at due: VirtualInstant) {
        if let planned = plan[timer], planned <= due { return }
        plan[timer] = due
        replanned = true
    }

    /// Nothing waits for `timer` any more: it is disarmed.
    mutating func unwant(_ timer: Timer) {
        guard plan[timer] != nil else { return }
        plan[timer] = nil
        replanned = true
    }

    private mutating func begin(_ now: VirtualInstant) {
        self.now = now
        plan = armed
        replanned = false
        actions.begin()
    }

    /// Ends an event: the calls gathered for the chat node and the chat doors go out, batched per
    /// destination; the timers whose instant changed are cancelled and scheduled again.
    private mutating func end() -> [Action] {
        if !batched.isEmpty {
            for (message, node) in batched.take() { actions.append(.send(.backend(group: group, message), to: node)) }
        }
        if replanned, plan != armed {
            for timer in Timer.allCases where plan[timer] != armed[timer] {
                if armed[timer] != nil { actions.append(.cancel(timer)) }
                if let due = plan[timer] { actions.append(.schedule(timer, after: now < due ? now.duration(to: due) : .zero)) }
            }
            armed = plan
        }
        return actions.end()
    }

    /// Takes back an event's action list once carried out (`ActionList.recycle`).
    mutating func recycle(_ used: consuming [Action]) { actions.recycle(used) }

    // MARK: actions

    /// Records `label` with `detail` in the trace (an action of the event being handled); when
    /// the node's events are not recorded (`recordsEvents` false) the detail is not even built.
    mutating func log(_ label: String, _ detail: @autoclosure () -> TraceDetail) {
        guard recordsEvents else { return }
        actions.append(.log(label, detail()))
    }

    /// Sends the backend call `call` to `node` (an action of the event being handled). To the
    /// chat node and the chat doors, whose cores take `batch`, the event's calls go together at
    /// its end (`CallBatch.Outgoing`): a turn's `executed` answers to the chat node as one
    /// message, its `deliver`s to one door as one.
    mutating func backend(_ call: consuming BackendCall, to node: NodeName) {
        if node.role == .chat || node.role == .chatDoor {
            batched.add(call, to: node)
        } else {
            actions.append(.send(.backend(group: group, call), to: node))
        }
    }

    /// Records a call the session node does not take (an action of the event being handled).
    mutating func unexpected(_ call: BackendCall, from source: NodeName) {
        actions.append(.unexpected(call, from: source))
    }
}

/// A session core: outbox generation `generation`, backend calls sent with the group id `group`,
/// pushes kept for `retention`, the backend services of `services`; `forgetConnectionOnLogout`
/// plants the seed's stale-cleanup bug (tests only).
func makeSessionCore(generation: UInt64 = 1, group: String = "", retention: Duration = .seconds(30),
                     services: ServiceRegistry = .standard, forgetConnectionOnLogout: Bool = false) -> SessionCore {
    SessionCore(generation: generation, group: group, retention: retention,
                backendServices: services.backend.mapValues { $0.makeState() },
                forgetConnectionOnLogout: forgetConnectionOnLogout)
}
