import NetModel

/// A simulated game client's logic, as a value: login, the push stream, back-off, token refresh,
/// request retries and chat membership. Each event (`start`, a reply, a stream event, a timer)
/// goes in with the node's clock reading and comes out as a list of `Action`s — sends, stream
/// opens and closes, timers to schedule, trace records — that `ClientNode`, the actor shell,
/// carries out in order. Randomness comes from `random`, the node's seeded stream, drawn in the
/// same order as the actions that use it.
///
/// Timers are data (`Timer`): the shell schedules `.schedule(timer, after:)` and hands the timer
/// back through `fire(_:now:)` when it is due; a timer whose moment has passed (a login that was
/// answered, a request that was retried since) does nothing when it fires.
struct ClientCore {
    /// One thing the shell must do, in order.
    enum Action: Equatable {
        /// Send a one-shot message (the shell remembers its message id for `.logAttack`).
        case send(ClusterMessage, to: NodeName)
        /// Send on an open stream.
        case sendOnStream(ClusterMessage, StreamID)
        /// Open a push stream to a frontend, then report its id with `streamOpening(_:to:now:)`.
        case openStream(to: NodeName)
        /// Close a stream.
        case closeStream(StreamID)
        /// Call `fire(timer, now:)` after `after`.
        case schedule(Timer, after: Duration)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record an attack just sent: its kind, the id of the message last sent, the service it
        /// calls, and its request id when it is a client request.
        case logAttack(kind: String, service: String, request: UInt64?, token: String?)
        /// Record a message the client did not expect.
        case unexpected(ClusterMessage, from: NodeName)
    }

    /// A timer of the client: what to look at again when it fires.
    enum Timer: Equatable, Sendable {
        /// A login left unanswered for 2 s is asked again at once.
        case loginTimeout(requestID: UInt64)
        /// A push stream not accepted within 2 s is closed, and the client backs off.
        case openTimeout(StreamID)
        /// The back-off wait is over: log in again.
        case backoffEnded
        /// `token` has lived 80% of its life: refresh it (if it is still the one in use).
        case tokenRefreshDue(token: String)
        /// A background login left unanswered for 2 s is asked again as a new request.
        case refreshTimeout(requestID: UInt64)
        /// A write's `attempt`-th send got no answer within `ClientCore.requestTimeout`.
        case requestTimeout(requestID: UInt64, attempt: Int)
        /// A write refused retryably is sent again (attempt `attempt`).
        case refusalRetry(requestID: UInt64, attempt: Int)
        /// A read got no answer within `ClientCore.requestTimeout`. (Boxed, as `readAgain`: a
        /// service is 33 bytes, and a timer this size made every pending timer of a client
        /// 64 bytes instead of 32.)
        indirect case readTimeout(requestID: UInt64, service: ClientService, retries: Int)
        /// A read is asked again as a new request, `retries` more times at most.
        indirect case readAgain(service: ClientService, retries: Int)
        /// The next round of a workload loop running at `rate` per second.
        case loop(Loop, rate: Double)
        /// A second device logs in (the plan's `duplicateLoginAfter`).
        case duplicateLogin
        /// The room was not in the room list yet: look again.
        case roomListRetry
        /// A chat command that did not put the member in its room: make it again.
        case chatRetry
    }

    /// The workload loops, each at its own exponential inter-arrival times.
    enum Loop: Equatable, Sendable {
        /// State and is-online reads.
        case requests
        /// Messages to another user.
        case messages
        /// Attacks.
        case attacks
        /// Calls of a simulated service.
        case service(String)
        /// Chat lines in the room.
        case chat
    }

    /// Where the client is in its login / push-stream cycle.
    enum Phase: Equatable {
        case idle
        case loggingIn(requestID: UInt64)
        case opening(StreamID)
        case connected(StreamID)
        case waiting
    }

    /// A request waiting for its answer. Kept inline in the core (`RequestIDMap`'s first slot):
    /// the call on the wire and the trace label are made again from `service` when needed, not
    /// stored (they made the slot 120 bytes, not 56).
    struct PendingRequest {
        /// What was asked.
        var service: ClientService
        /// Sent on purpose with a bad token or group (attacks): never retried, never judged.
        var attack: Bool
        /// How many more times it may be sent again.
        var retriesLeft: Int
        /// Which send this is (a timeout of an earlier send does nothing).
        var attempt: Int = 0

        /// The call on the wire, made again from `service` (a write is sent again under the same
        /// id, unchanged: the same service makes the same call).
        var call: ServiceCall { service.call }
        /// Its trace label: the name of the service it calls.
        var label: String { service.serviceName }
    }

    let plan: ClientPlan
    /// The client's node name (requests carry it as their origin).
    let name: NodeName
    /// This incarnation's tag in request ids (`RequestKey.id(incarnation:counter:)`).
    let incarnationTag: UInt64
    /// 64 bits from the node's seeded stream.
    let random: () -> UInt64

    var phase: Phase = .idle
    var token = ""
    var backoff = Backoff()
    var frontendCursor: Int
    var stream: StreamID?
    var streamFrontend: NodeName?
    /// Streams of an older device, kicked on purpose by a newer login: never reconnected.
    var retiredStreams: Set<StreamID> = []
    var inbox = PushInbox<PushFrame>()
    var nextRequest: UInt64 = 1
    var pending = RequestIDMap<PendingRequest>()
    /// Reads in flight: how many more times each may be asked again (as a new request).
    var readRetries = RequestIDMap<Int>()
    /// The ids of the last pushes delivered, so a push that a restarted session node sends again
    /// (under a new generation, same push id) is not delivered twice.
    var recentPushes = RecentIDs(capacity: 256)
    /// The ids of the last chat lines shown (a line said again after a chat-node restart is not
    /// shown twice).
    var recentLines = RecentIDs(capacity: 256)
    /// The room the client is in (number and title), as the chat node last confirmed it.
    var room: (id: Int, title: String)?
    var lastRequestOK = true
    var inRoom = false
    var lineCounter: UInt64 = 0
    /// Whether this client's `/create` of its room took effect.
    var createdRoom = false
    /// Whether the chat loop runs (started once, at the first entry in the room).
    var chatting = false
    /// The first token this client got, kept to replay once it has expired (attackers only).
    var firstToken: (token: String, exp: Int64)?
    var refreshID: UInt64?

    /// The clock reading of the event being handled.
    private(set) var now: VirtualInstant = .zero
    /// The actions of the event being handled.
    private var actions: ActionList<Action>

    /// A client of `plan` named `name`; `incarnation` tags its request ids, `random` is its
    /// seeded stream, `spare` where its carried-out action lists wait (shared by the clients of a
    /// simulated run). Use `makeClientCore(…)`.
    init(plan: ClientPlan, name: NodeName, incarnation: UInt64, random: @escaping () -> UInt64,
         spare: ActionSpare<Action>) {
        self.plan = plan
        self.name = name
        incarnationTag = incarnation
        self.random = random
        actions = ActionList(spare: spare)
        frontendCursor = (name.index - 1) % max(1, plan.frontends.count)
    }

    // MARK: reading

    /// Whether the push stream is open and accepted.
    var isConnected: Bool { if case .connected = phase { true } else { false } }
    /// The frontend holding the push stream.
    var pushFrontend: NodeName? { isConnected ? streamFrontend : nil }
    /// The clock in whole seconds (token times).
    var nowSeconds: Int64 { now.nanoseconds / 1_000_000_000 }
    /// Whether the load phase is still on.
    var loadPhase: Bool { now.nanoseconds < plan.loadEndsAt }

    // MARK: events

    /// The client starts: logs in and starts its workload loops.
    /// - Returns: the login send and its timer, then the loops' first timers.
    mutating func start(now: VirtualInstant) -> [Action] {
        begin(now)
        login()
        scheduleLoop(.requests, rate: plan.requestRate)
        scheduleLoop(.messages, rate: plan.pushRate)
        scheduleLoop(.attacks, rate: plan.attackRate)
        for load in plan.serviceLoads { scheduleLoop(.service(load.service), rate: load.rate) }
        if let after = plan.duplicateLoginAfter { schedule(.duplicateLogin, after: after) }
        return end()
    }

    /// A clean shutdown.
    /// - Returns: the close of the push stream, if there is one.
    mutating func shutdown(now: VirtualInstant) -> [Action] {
        begin(now)
        if let stream { actions.append(.closeStream(stream)) }
        phase = .idle
        return end()
    }

    /// The shell opened the push stream `id` to `frontend` (after `.openStream`).
    /// - Returns: the `pushOpen` on it and its timeout.
    mutating func streamOpening(_ id: StreamID, to frontend: NodeName, now: VirtualInstant) -> [Action] {
        begin(now)
        actions.append(.sendOnStream(.pushOpen(token: token), id))
        stream = id
        streamFrontend = frontend
        phase = .opening(id)
        schedule(.openTimeout(id), after: .seconds(2))
        return end()
    }

    /// Traffic for the client.
    /// - Returns: what the client does about it.
    mutating func receive(_ inbound: Inbound<ClusterMessage>, now: VirtualInstant) -> [Action] {
        begin(now)
        switch inbound {
        case .message(let envelope):
            if case .reply(let reply) = envelope.payload {
                handle(reply)
            } else {
                actions.append(.unexpected(envelope.payload, from: envelope.source))
            }
        case .streamMessage(let id, let peer, let message):
            streamMessage(id, peer: peer, message)
        case .streamClosed(let id, let peer, let reason):
            streamEnded(id, frontend: peer, reason: reason.rawValue)
        case .streamOpened(let id, _):
            actions.append(.closeStream(id))
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    /// - Returns: what the client does now (nothing when the timer's moment has passed).
    mutating func fire(_ timer: Timer, now: VirtualInstant) -> [Action] {
        begin(now)
        switch timer {
        case .loginTimeout(let id):
            // No answer in 2 s: most likely a lost message, not an overloaded cluster — ask again
            // at once (a refusal, by contrast, backs off).
            if phase == .loggingIn(requestID: id) {
                pending[id] = nil
                frontendCursor += 1
                login()
            }
        case .openTimeout(let id):
            if phase == .opening(id) {
                actions.append(.closeStream(id))
                retry("open-timeout")
            }
        case .backoffEnded:
            if phase == .waiting { login() }
        case .tokenRefreshDue(let due):
            if token == due, refreshID == nil { refreshToken() }
        case .refreshTimeout(let id):
            if refreshID == id {
                pending[id] = nil
                refreshID = nil
                refreshToken()
            }
        case .requestTimeout(let id, let attempt):
            if let waiting = pending[id], waiting.attempt == attempt { resendOrGiveUp(id) }
        case .refusalRetry(let id, let attempt):
            if pending[id]?.attempt == attempt { resendOrGiveUp(id) }
        case .readTimeout(let id, let service, let retries):
            if pending.removeValue(forKey: id) != nil {
                readRetries[id] = nil
                askAgain(service, retries: retries)
            }
        case .readAgain(let service, let retries):
            askAgain(service, retries: retries)
        case .loop(let loop, let rate):
            run(loop)
            scheduleLoop(loop, rate: rate)
        case .duplicateLogin:
            duplicateLogin()
        case .roomListRetry:
            enterRoomIfNeeded()
        case .chatRetry:
            if let room, !inRoom {
                request(.chat(.restore(roomID: room.id, title: room.title)), token: token, retries: Self.retryLimit)
            } else {
                enterRoomIfNeeded()
            }
        }
        return end()
    }

    // MARK: login and the push stream

    mutating func login() {
        let id = request(.login(user: plan.user, password: "pw-" + plan.user), token: "")
        phase = .loggingIn(requestID: id)
        schedule(.loginTimeout(requestID: id), after: .seconds(2))
    }

    mutating func openStream() {
        guard !plan.frontends.isEmpty else { return }
        actions.append(.openStream(to: plan.frontends[frontendCursor % plan.frontends.count]))
    }

    /// Something failed: wait (back-off with jitter), then log in again on the next frontend.
    mutating func retry(_ reason: String) {
        phase = .waiting
        frontendCursor += 1
        schedule(.backoffEnded, after: backoff.next(randomUnit()))
    }

    mutating func duplicateLogin() {
        // A second device logs in: the current stream becomes the old device's, which the
        // session node will kick ("last login wins").
        if let stream { retiredStreams.insert(stream) }
        stream = nil
        frontendCursor += 1   // the other device reaches another frontend
        login()
    }

    private mutating func streamMessage(_ id: StreamID, peer: NodeName, _ message: ClusterMessage) {
        if retiredStreams.contains(id) {
            if case .kicked = message { retiredStreams.remove(id) }
            return
        }
        guard id == stream else { return }
        switch message {
        case .pushOpened(let renewed):
            adopt(renewed)
            phase = .connected(id)
            backoff.reset()
            log(NodeLog.clientConnected, ["frontend": .name(peer), "conn": .number(UInt64(id.rawValue))])
            enterRoomIfNeeded()
        case .pushRejected(let reason):
            actions.append(.closeStream(id))
            streamEnded(id, frontend: peer, reason: reason)
        case .push(let frame):
            receivePush(frame, on: id)
        case .kicked(let reason):
            actions.append(.closeStream(id))
            streamEnded(id, frontend: peer, reason: "kicked-" + reason)
        default:
            actions.append(.unexpected(message, from: peer))
        }
    }

    /// Uses a new token, and plans to refresh it when 80% of its life has passed (clients read
    /// `exp` from the token; expired tokens are refused).
    mutating func adopt(_ newToken: String) {
        token = newToken
        guard let exp = Self.expiry(of: newToken) else { return }
        let life = max(1, exp - nowSeconds)
        schedule(.tokenRefreshDue(token: newToken), after: .milliseconds(life * 800))
    }

    /// Logs in again in the background (the stream stays open); a login left unanswered for 2 s
    /// is asked again as a new request, until a token comes.
    mutating func refreshToken() {
        let id = request(.login(user: plan.user, password: "pw-" + plan.user), token: "")
        refreshID = id
        schedule(.refreshTimeout(requestID: id), after: .seconds(2))
    }

    private mutating func streamEnded(_ id: StreamID, frontend: NodeName, reason: String) {
        if retiredStreams.remove(id) != nil { return }
        guard id == stream else { return }
        stream = nil
        log(NodeLog.clientDisconnected, ["frontend": .name(frontend), "reason": .text(reason)])
        retry(reason)
    }

    // MARK: effects

    private mutating func begin(_ now: VirtualInstant) {
        self.now = now
        actions.begin()
    }

    private mutating func end() -> [Action] {
        return actions.end()
    }

    /// Takes back an event's action list once carried out (`ActionList.recycle`).
    mutating func recycle(_ used: consuming [Action]) { actions.recycle(used) }

    mutating func append(_ action: Action) {
        actions.append(action)
    }

    mutating func schedule(_ timer: Timer, after delay: Duration) {
        actions.append(.schedule(timer, after: delay))
    }

    mutating func log(_ label: String, _ detail: TraceDetail) {
        actions.append(.log(label, detail))
    }

    mutating func send(_ message: ClusterMessage, to destination: NodeName) {
        actions.append(.send(message, to: destination))
    }

    mutating func sendOnStream(_ message: ClusterMessage, _ id: StreamID) {
        actions.append(.sendOnStream(message, id))
    }

    /// A uniform draw in [0, 1) from `random` (as `NodeEnvironment.randomUnit()`).
    func randomUnit() -> Double { Double(random() >> 11) * 0x1.0p-53 }
}

/// A client core for `plan`, with test-friendly defaults: client 1, incarnation 1, a random
/// stream counting 1, 2, 3, … (pass the node's `env.random` in a real run), and an action spare
/// of its own (pass the run's shared one in a simulated run).
/// - Returns: a core in phase `.idle`; call `start(now:)` to begin.
func makeClientCore(plan: ClientPlan, name: NodeName = NodeName(.client, 1), incarnation: UInt64 = 1,
                    random: (() -> UInt64)? = nil,
                    spare: ActionSpare<ClientCore.Action> = ActionSpare()) -> ClientCore {
    if let random { return ClientCore(plan: plan, name: name, incarnation: incarnation, random: random, spare: spare) }
    final class Counter { var value: UInt64 = 0 }
    let counter = Counter()
    return ClientCore(plan: plan, name: name, incarnation: incarnation, random: {
        counter.value += 1
        return counter.value
    }, spare: spare)
}
