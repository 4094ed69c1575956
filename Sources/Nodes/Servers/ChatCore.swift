import NetModel

/// The chat node's logic as a value type: rooms (`ChatRooms`), the members each chat door
/// connected, exactly-once commands, the pushes for members waiting in `outbox` until the session
/// node confirms them, the calls held while the node registers, and the outbox's retry timer.
/// The pushes one event makes or resends go to the session node at its end, as one `batch`
/// (`CallBatch`); the session node's `batch` of answers is taken answer by answer.
///
/// Each event (start, registration, a membership notice, a backend call, the session stream
/// breaking, a timer) goes in with the node's clock reading and the session node the management
/// link knows, and comes out as the actions `ChatNode`, the actor shell, carries out in order.
///
/// The stream to the session node is the core's to open and close: it numbers them
/// (`SessionStream`) and the shell maps the number to the transport's stream id. An open is an
/// action in its place among the others, so the trace shows it where the node decided it.
struct ChatCore {
    /// What the shell does, in order.
    enum Action: Equatable {
        /// Send a backend call (built with the cluster's group id: `.backend(group:_:)`) to a node.
        /// The message's payload is boxed: carrying it costs a retain (a bare `BackendCall` in the
        /// action was copied through the runtime's generic tuple copy).
        case send(ClusterMessage, to: NodeName)
        /// Open a stream to the session node, known to the core as `SessionStream`.
        case openSessionStream(SessionStream, to: NodeName)
        /// Send a backend call (built like `send`'s) on the session stream.
        case sendOnSessionStream(ClusterMessage, SessionStream)
        /// Close the session stream.
        case closeSessionStream(SessionStream)
        /// Call `fire(timer, …)` after `after`.
        case schedule(Timer, after: Duration)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record a backend call the node did not expect.
        case unexpected(BackendCall, from: NodeName)
    }

    /// A timer of the chat node.
    enum Timer: Equatable, Sendable {
        /// Look at the outbox again (every `outboxRetryPeriod`, for the node's whole life).
        case outboxRetry
    }

    /// One stream to the session node, numbered from 1 in the order the core opened them.
    struct SessionStream: Hashable, Sendable {
        /// The stream's number.
        let number: UInt64
    }

    /// How often the outbox is looked at.
    static let outboxRetryPeriod: Duration = .milliseconds(500)
    /// How long the oldest unconfirmed push may wait after it was sent before all are sent again.
    static let confirmationWait: Duration = .seconds(1)

    /// The chat node's name: the origin of its pushes' request keys.
    let name: NodeName
    /// The high bits of this incarnation's push ids (`PushIDLayout.prefix`).
    let pushIDPrefix: UInt64
    /// The rooms and their members.
    var rooms = ChatRooms()
    /// The counter of the next push id.
    var nextPush: UInt64 = 1
    /// The ordered connection to the session node: lines keep their order on the way to members.
    var sessionStream: SessionStream?
    private var streamsOpened: UInt64 = 0
    /// The node each member connected through with `ChatCommand.connect` (a chat door), by user:
    /// when management removes that node, its members are disconnected. Members that never sent
    /// `connect` (simulated clients) are not tracked.
    var origins: [String: NodeName] = [:]
    /// Commands executed, per origin: a copy gets the first result.
    private var executed = RequestWindow<ClientResult>(capacity: 32)
    /// Pushes sent to the session node and not confirmed yet, in order.
    var outbox = ChatPushOutbox()
    /// Calls that arrived while the node was registering (held, run once it serves).
    private var held = HeldCalls()
    /// Whether this incarnation told the members it started (see `becameServing`).
    private(set) var announcedStart = false

    /// The clock reading of the event being handled.
    private(set) var now: VirtualInstant = .zero
    /// The session node the management link knows, for the event being handled.
    private(set) var sessionNode: NodeName?
    private var actions: [Action] = []
    /// Whether the event being handled made or marked pushes to send (sent at its end, together).
    var flushDue = false
    /// Whether the node's trace records (`NodeEnvironment.recordsNodeEvents`): when it does not
    /// (a real node process nobody traces), no `.log` action is made, nor its detail built.
    var recordsEvents = true
    /// The cluster's group id, which every backend call the node sends carries.
    let groupID: String

    /// The core of chat node `name` in the incarnation whose push ids begin with `pushIDPrefix`.
    /// Use `makeChatCore(…)`.
    init(name: NodeName, pushIDPrefix: UInt64, groupID: String) {
        self.name = name
        self.pushIDPrefix = pushIDPrefix
        self.groupID = groupID
    }

    // MARK: events

    /// The node starts (after its management link did).
    /// - Returns: the outbox's first retry timer.
    mutating func start(now: VirtualInstant) -> [Action] {
        begin(now, session: nil)
        schedule(.outboxRetry, after: Self.outboxRetryPeriod)
        return end()
    }

    /// Registration accepted. The first time in this incarnation every online member is told the
    /// node started (a chat node starts with no rooms: those who were in one put themselves back
    /// at once, not at their next line); then the held calls run, in arrival order.
    mutating func becameServing(session: NodeName?, now: VirtualInstant) -> [Action] {
        begin(now, session: session)
        if !announcedStart {
            announcedStart = true
            let (key, id) = nextPushKey()
            let call = BackendCall.broadcast(pushID: id, body: .chat(.restarted), acceptedAt: now.nanoseconds, request: key)
            _ = outbox.append(key, call)
            flushOutbox()
        }
        for call in held.takeAll() { handle(call.call, from: call.source) }
        return end()
    }

    /// A membership notice (after the management link applied it): the members of a node that
    /// left or restarted are disconnected; a session node that (re)joined or left gets every
    /// unconfirmed push again, on a new stream.
    mutating func membershipChanged(_ notice: MembershipNotice, session: NodeName?, now: VirtualInstant) -> [Action] {
        begin(now, session: session)
        switch notice {
        case .left(let node, _), .rejoined(let node, _, _):
            dropMembers(of: node)
            if node.role == .session { resendOutbox(newStream: true) }
        case .joined(let node, _):
            if node.role == .session { resendOutbox(newStream: true) }
        }
        return end()
    }

    /// A backend call admitted by the shell (right group), from a one-shot message or a chat
    /// door's stream: run when `serving`, held while the node registers (`mayServeAgain`),
    /// dropped otherwise.
    mutating func call(_ call: BackendCall, from source: NodeName, serving: Bool, mayServeAgain: Bool,
                       session: NodeName?, now: VirtualInstant) -> [Action] {
        begin(now, session: session)
        if serving {
            handle(call, from: source)
        } else if mayServeAgain, !held.hold(call, from: source) {
            log(NodeLog.callDropped, HeldCalls.dropRecord(call, from: source))
        }
        return end()
    }

    /// The session stream `stream` closed (the session node crashed, or the link broke): every
    /// unconfirmed push goes again, on a new stream.
    mutating func sessionStreamClosed(_ stream: SessionStream, session: NodeName?, now: VirtualInstant) -> [Action] {
        begin(now, session: session)
        if stream == sessionStream {
            sessionStream = nil
            resendOutbox(newStream: true)
        }
        return end()
    }

    /// A timer the shell scheduled is due.
    /// - Returns: for `.outboxRetry`: when the oldest unconfirmed push was sent more than
    ///   `confirmationWait` ago (or never: no session node was known), every one again (a lost
    ///   confirmation, a session node that held them while registering or that the node has just
    ///   learned of); then the next retry timer.
    mutating func fire(_ timer: Timer, session: NodeName?, now: VirtualInstant) -> [Action] {
        begin(now, session: session)
        switch timer {
        case .outboxRetry:
            if outbox.count > 0, outbox.oldestSentAt.map({ $0.advanced(by: Self.confirmationWait) <= now }) ?? true {
                resendOutbox(newStream: false)
            }
            schedule(.outboxRetry, after: Self.outboxRetryPeriod)
        }
        return end()
    }

    // MARK: calls

    private mutating func handle(_ call: BackendCall, from source: NodeName) {
        switch call {
        case .batch(let calls):
            // The session node's `executed` answers of one of its turns: each as if alone.
            for one in calls {
                if case .batch = one { actions.append(.unexpected(one, from: source)) } else { handle(one, from: source) }
            }
        case .chat(let user, let command, let key):
            guard let key else { return _ = apply(command, from: user, via: source) }
            guard let result = executeOnce(key, command, from: user, via: source) else { return }
            send(.executed(request: key, result: result), to: source)
        case .chatCommands(let commands):
            for c in commands { _ = apply(c.command, from: c.user, via: source) }
        case .executed(let key, _):
            outbox.confirm(key)
        default:
            actions.append(.unexpected(call, from: source))
        }
    }

    /// Runs a command once per request key (`RequestWindow.admit`, the decision every executor
    /// shares, with its trace records as actions).
    /// - Returns: the result to answer with (the first one for a copy), or nil while in progress.
    private mutating func executeOnce(_ key: RequestKey, _ command: ChatCommand, from user: String,
                                      via source: NodeName) -> ClientResult? {
        switch executed.admit(key, service: ChatService.name) {
        case .execute(let record):
            log(NodeLog.requestExecuted, record)
            let result = apply(command, from: user, via: source)
            executed.finish(key, answer: result)
            return result
        case .answer(let answer, let label, let record):
            log(label, record)
            return answer
        case .inProgress:
            return nil
        }
    }

    // MARK: helpers

    /// The request key and push id of the next push.
    mutating func nextPushKey() -> (key: RequestKey, pushID: UInt64) {
        defer { nextPush += 1 }
        let key = RequestKey(origin: name, id: RequestKey.id(incarnation: PushIDLayout.incarnation(ofPrefix: pushIDPrefix),
                                                             counter: nextPush))
        return (key, PushIDLayout.id(prefix: pushIDPrefix, counter: nextPush))
    }

    /// Opens a new session stream (the next number).
    mutating func openSessionStream(to session: NodeName) -> SessionStream {
        streamsOpened += 1
        let stream = SessionStream(number: streamsOpened)
        sessionStream = stream
        actions.append(.openSessionStream(stream, to: session))
        return stream
    }

    /// Schedules `timer` after `delay` (an action).
    mutating func schedule(_ timer: Timer, after delay: Duration) {
        actions.append(.schedule(timer, after: delay))
    }

    /// Records `label` with `detail` in the trace (an action); when the node's events are not
    /// recorded (`recordsEvents` false) the detail is not even built.
    mutating func log(_ label: String, _ detail: @autoclosure () -> TraceDetail) {
        guard recordsEvents else { return }
        actions.append(.log(label, detail()))
    }

    /// Sends `call` to `node` (an action).
    mutating func send(_ call: BackendCall, to node: NodeName) {
        actions.append(.send(.backend(group: groupID, call), to: node))
    }

    /// Sends `call` on the session stream `stream` (an action).
    mutating func sendOnSessionStream(_ call: BackendCall, _ stream: SessionStream) {
        actions.append(.sendOnSessionStream(.backend(group: groupID, call), stream))
    }

    /// Closes the session stream `stream` (an action).
    mutating func closeSessionStream(_ stream: SessionStream) {
        actions.append(.closeSessionStream(stream))
    }

    private mutating func begin(_ now: VirtualInstant, session: NodeName?) {
        self.now = now
        sessionNode = session
        actions = []
    }

    private mutating func end() -> [Action] {
        if flushDue {
            flushDue = false
            sendUnsent()
        }
        defer { actions = [] }
        return actions
    }
}

/// A chat node's core for node `name` (chat 1 unless told) in incarnation `incarnation`: its push
/// ids and request keys carry `PushIDLayout.prefix(node:incarnation:)`.
/// - Returns: a core with no rooms; call `start(now:)` when the node starts.
func makeChatCore(name: NodeName = NodeName(.chat, 1), incarnation: UInt64 = 1, groupID: String = "cluster") -> ChatCore {
    ChatCore(name: name, pushIDPrefix: PushIDLayout.prefix(node: name, incarnation: incarnation), groupID: groupID)
}
