import NetModel

/// The frontend's logic as a value type (seed 000's frontend service): its streams (clients' push
/// streams, gateways' request connections) and their logins at the session node, the token cache
/// and signer, the decision to serve a request (limits, the service blocker, the service, the
/// token, answers remembered for Login and State, copies of a running request), the calls service
/// handlers make, forwarded to their executor and retried until answered or refused at the
/// deadline, the pushes (each session delivery split into one frame per user here) and
/// acknowledgements it relays as its users' push frontend, and the
/// re-syncs it sends the session node.
///
/// Each event (a stream opening, a frame, a request, a backend call, a timer, a handler's call or
/// return, a management link event) goes in with what the management link knows (`Link`) and the
/// clock reading, and comes out as the actions `FrontendNode`, the actor shell, carries out in
/// order: sends, stream closes, trace records, timers as data, and the service handlers' side
/// (`.runHandler` starts one, `.resume` hands a forwarded call's answer to the one waiting).
///
/// The handlers themselves stay async and run in the shell, on its executor; everything they
/// ask of the frontend comes back here as an event (`handlerCall`, `handlerReturned`,
/// `issueLoginToken`).
struct FrontendCore {
    /// What the shell does, in order.
    enum Action: Equatable {
        /// Send a backend call (built with the cluster's group id: `.backend(group:_:)`) to a node.
        /// The core builds the message: its payload is boxed, so carrying it costs a retain, where
        /// a bare `BackendCall` (99 bytes, 17 cases) in the action was copied through the runtime's
        /// generic tuple copy at every step.
        case send(ClusterMessage, to: NodeName)
        /// Send a message on a stream.
        case sendOnStream(ClusterMessage, StreamID)
        /// Answer a client request along its route.
        case reply(ClientReply, ReplyRoute)
        /// Close a stream at the transport.
        case closeStream(StreamID)
        /// Start a service handler (the shell runs it as a task on its executor and reports its
        /// outcome with `handlerReturned`). Boxed: a `HandlerStart` is 136 bytes (the claims
        /// alone 65), and unboxed it made every action that size, copied by `memcpy` each time the
        /// shell read one (1.05 copies an event on 16-heavy-1000); one box a handler costs less.
        indirect case runHandler(HandlerStart)
        /// Hand the answer of the forwarded call `RequestKey` to the handler waiting for it.
        case resume(RequestKey, ClientResult)
        /// Call `fire(timer, …)` after `after`.
        case schedule(Timer, after: Duration)
        /// Record an event in the trace.
        case log(String, TraceDetail)
        /// Record a message the frontend did not expect.
        case unexpected(ClusterMessage, from: NodeName)
    }

    /// A timer of the frontend.
    enum Timer: Equatable, Sendable {
        /// Send the push streams to the session node again (every `resyncPeriod`, for the node's life).
        case resync
        /// Send the push stream's login to the session node again unless it was acknowledged.
        case announce(StreamID, user: String, since: Int64)
        /// Resend the forwarded calls sent `callRetry` ago, refuse those past their deadline.
        case callRetry
    }

    /// A service handler to start for one request.
    struct HandlerStart: Equatable {
        /// The service's handler, bound to the decoded request.
        let handler: PreparedHandler
        /// The service's name.
        let service: String
        /// The request's key.
        let key: RequestKey
        /// The verified token's claims (nil for an anonymous call).
        let claims: TokenClaims?

        /// Equal when for the same service, request and caller (closures cannot be compared; the
        /// handler is the service's, prepared from the request).
        static func == (a: HandlerStart, b: HandlerStart) -> Bool {
            a.service == b.service && a.key == b.key && a.claims == b.claims
        }
    }

    /// What a stream carries.
    enum StreamSlot: Equatable {
        /// Opened by a peer; its first frame says what it is.
        case opened(peer: NodeName)
        /// A client's push stream, accepted at `since` (ns).
        case push(user: String, peer: NodeName, since: Int64)
        /// A gateway's multiplexed request connection.
        case gateway(peer: NodeName)
    }

    /// Where a reply goes.
    enum ReplyRoute: Equatable {
        /// To the client, as a one-shot message.
        case direct(NodeName)
        /// On the stream the request came on (a gateway's).
        case stream(StreamID)
    }

    /// What the frontend's management link knows when an event is handled.
    struct Link: Equatable {
        /// Registered and not fenced.
        var isServing: Bool
        /// The registered session node, if any.
        var session: NodeName?
        /// The registered chat node, if any.
        var chat: NodeName?
    }

    /// How often a frontend re-sends its live streams to the session node.
    static let resyncPeriod: Duration = .seconds(5)
    /// How often a push stream's login goes to the session node again until acknowledged.
    static let announceRetry: Duration = .milliseconds(500)
    /// How long a frontend tries to get a call confirmed before it answers a retryable refusal
    /// (the client waits 2 s for an answer).
    static let callDeadline: Duration = .milliseconds(1_500)
    /// `callDeadline` in nanoseconds (read on every forwarded call).
    static let callDeadlineNanoseconds: Int64 = callDeadline.nanosecondsClamped
    /// How often an unconfirmed call is sent to its executor again.
    static let callRetry: Duration = .milliseconds(300)

    /// The frontend's node name (its users' push frontend).
    let name: NodeName
    /// The cluster's backend group id (for the trace of an unexpected backend call).
    let groupID: String
    /// Signs and verifies login tokens.
    let signer: TokenSigner
    /// A token's lifetime, in seconds.
    let tokenLifetime: Int64
    /// The services this frontend serves.
    let services: ServiceRegistry
    /// The high bits of this incarnation's push ids (`PushIDLayout.prefix`).
    let pushIDPrefix: UInt64

    /// What each open stream is.
    var streams: [StreamID: StreamSlot] = [:]
    /// Each user's accepted push stream here.
    var pushStreams: [String: StreamID] = [:]
    /// Push streams whose login the session node acknowledged.
    var announced: Set<StreamID> = []
    /// The newest stream number seen (a re-sync lists the streams up to it).
    var newestConnection: UInt64 = 0
    /// Reads (State, Login) executed here, per client: a copy gets the first answer.
    var executed = RequestWindow<ClientResult>(capacity: 16)
    /// Requests whose service handler is running.
    var running: [RequestKey: RunningHandler] = [:]
    /// Calls handlers made, forwarded to their executor (session or chat node), not answered yet.
    var calls: [RequestKey: ForwardedCall] = [:]
    /// Whether a `.callRetry` timer is pending.
    var callTickScheduled = false
    /// The counter of the next push id.
    var nextPush: UInt64 = 1
    /// Tokens already verified (signature and claims), so a client's repeated requests cost one
    /// dictionary lookup; the expiry is still checked on every use. Bounded: cleared when full.
    var verifiedTokens = VerifiedTokenCache()

    /// The link for the event being handled.
    private(set) var link = Link(isServing: false)
    private var actions = ActionList<Action>()

    /// The core of frontend `name`. Use `makeFrontendCore(…)`.
    init(name: NodeName, groupID: String, signer: TokenSigner, tokenLifetime: Int64, services: ServiceRegistry,
         pushIDPrefix: UInt64) {
        self.name = name
        self.groupID = groupID
        self.signer = signer
        self.tokenLifetime = tokenLifetime
        self.services = services
        self.pushIDPrefix = pushIDPrefix
    }

    /// The accepted push streams here, sorted by user: (user, connection id).
    var openPushStreams: [(user: String, connection: UInt64)] {
        pushStreams.map { ($0.key, $0.value.rawValue) }.sorted { $0.user < $1.user }
    }

    // MARK: actions

    /// Sends `call` to `node` (an action).
    mutating func send(_ call: BackendCall, to node: NodeName) { actions.append(.send(.backend(group: groupID, call), to: node)) }

    /// Sends `call` to the session node, when one is registered.
    mutating func callSession(_ call: BackendCall) {
        if let session = link.session { send(call, to: session) }
    }

    /// Sends `message` on stream `id` (an action).
    mutating func send(_ message: ClusterMessage, on id: StreamID) { actions.append(.sendOnStream(message, id)) }

    /// Answers `reply` along `route` (an action).
    mutating func reply(_ reply: ClientReply, _ route: ReplyRoute) { actions.append(.reply(reply, route)) }

    /// Closes stream `id` at the transport (an action).
    mutating func closeTransportStream(_ id: StreamID) { actions.append(.closeStream(id)) }

    /// Schedules `timer` after `delay` (an action).
    mutating func schedule(_ timer: Timer, after delay: Duration) { actions.append(.schedule(timer, after: delay)) }

    /// Records `label` with `detail` in the trace (an action).
    mutating func log(_ label: String, _ detail: TraceDetail) { actions.append(.log(label, detail)) }

    /// Appends `action`.
    mutating func act(_ action: Action) { actions.append(action) }

    /// Starts an event: its link, no actions yet (the storage of a recycled list is reused).
    mutating func begin(_ link: Link) {
        self.link = link
        begin()
    }

    /// Starts an event that reads nothing the management link knows.
    mutating func begin() { actions.begin() }

    /// Ends an event.
    /// - Returns: its actions, in order.
    mutating func end() -> [Action] { actions.end() }

    /// Takes back an event's action list once carried out (`ActionList.recycle`).
    mutating func recycle(_ used: consuming [Action]) { actions.recycle(used) }
}

extension FrontendCore.Link {
    /// What `link` knows now.
    init(_ link: ManagementLink) {
        self.init(isServing: link.isServing, session: link.config.sessionNode?.name, chat: link.config.chatNode?.name)
    }
}

/// A frontend's core for frontend `name` (frontend 1 unless told) in incarnation `incarnation`,
/// serving `services` with the cluster's `settings` (token secret and lifetime, group id).
/// - Returns: a core with no streams; call `start()` when the node starts.
func makeFrontendCore(name: NodeName = NodeName(.frontend, 1), incarnation: UInt64 = 1,
                      settings: ClusterSettings = ClusterSettings(), services: ServiceRegistry = .standard) -> FrontendCore {
    let lifetime = Int64(settings.tokenLifetime.components.seconds)
    return FrontendCore(name: name, groupID: settings.groupID,
                        signer: TokenSigner(secret: settings.tokenSecret, maximumLifetime: lifetime),
                        tokenLifetime: lifetime, services: services,
                        pushIDPrefix: PushIDLayout.prefix(node: name, incarnation: incarnation))
}
