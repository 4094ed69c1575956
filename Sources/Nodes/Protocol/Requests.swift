import NetModel

/// A request from a client: a call of one registered frontend service. `requestID` correlates the
/// reply; `token` is checked on every call of a `.signedIn` service.
public struct ClientRequest: Codable, Equatable, Sendable {
    /// The client's id for this request.
    public var requestID: UInt64
    /// The JWT (empty for an anonymous service such as `Login`).
    public var token: String
    /// Which service, with its request.
    public var call: ServiceCall
    /// The client that asked, when a gateway relays the request (nil when sent directly).
    public var origin: NodeName?
    /// Makes a request.
    public init(requestID: UInt64, token: String, call: ServiceCall, origin: NodeName? = nil) {
        self.requestID = requestID
        self.token = token
        self.call = call
        self.origin = origin
    }

    /// The trace label: the service's name.
    public var traceLabel: String { call.service }
}

/// A call of a frontend service: its name and its typed request.
public struct ServiceCall: Codable, Equatable, Sendable {
    /// The service's name (`FrontendService.name`).
    public var service: String
    /// The service's `Request`.
    public var payload: ServicePayload
    /// A call of `S` with `request`.
    public init<S: FrontendService>(_ type: S.Type, _ request: S.Request) {
        service = S.name
        payload = ServicePayload(request)
    }
    /// A call by name (a service this process may not know: the frontend decodes the payload).
    public init(service: String, payload: ServicePayload) {
        self.service = service
        self.payload = payload
    }
}

/// What a simulated client asks: the built-in services by case, any other registered service as
/// a `ServiceCall`. `call` is what goes on the wire.
package enum ClientService: Equatable, Sendable {
    /// Init service: is the server up and serving?
    case state
    /// Init service: log in, get a JWT.
    case login(user: String, password: String)
    /// Push a message to one user.
    case message(to: String, text: String)
    /// Push to every online user.
    case broadcast(text: String)
    /// Kick a user (close their push stream).
    case kick(user: String)
    /// Is a user online?
    case isOnline(user: String)
    /// A chat command (/name, /rooms, /create, /join, /leave, or a line).
    case chat(ChatCommand)
    /// Another registered service.
    case custom(ServiceCall)

    /// The call on the wire.
    package var call: ServiceCall {
        switch self {
        case .state: ServiceCall(StateService.self, StateRequest())
        case .login(let user, let password): ServiceCall(LoginService.self, LoginRequest(user: user, password: password))
        case .message(let to, let text): ServiceCall(MessageService.self, MessageRequest(to: to, text: text))
        case .broadcast(let text): ServiceCall(BroadcastService.self, BroadcastRequest(text: text))
        case .kick(let user): ServiceCall(KickService.self, KickRequest(user: user))
        case .isOnline(let user): ServiceCall(IsOnlineService.self, IsOnlineRequest(user: user))
        case .chat(let command): ServiceCall(ChatService.self, command)
        case .custom(let call): call
        }
    }
}

/// A chat command, as the chat node understands it.
public enum ChatCommand: ServiceMessage {
    /// /name
    case name(String)
    /// /rooms
    case rooms
    /// /create TITLE
    case create(title: String)
    /// /join N
    case join(roomID: Int)
    /// /leave
    case leave
    /// A line of text in the current room.
    case say(text: String, messageID: UInt64)
    /// Put the member back in the room it was in before the chat node restarted: join the room
    /// titled `title` if one exists, or recreate it (as number `roomID` when that number is free).
    case restore(roomID: Int, title: String)
    /// A chat door's connection opened: the member joins the chat service under the default
    /// display `name` (the standalone server's peer address). The chat node remembers which node
    /// sent it, and disconnects the member when management removes that node.
    case connect(name: String)
    /// A chat door's connection closed: the member leaves its room (the others get the leave
    /// notice) and is forgotten.
    case disconnect
}

/// The answer to a `ClientRequest`.
public struct ClientReply: Codable, Equatable, Sendable {
    /// The request it answers.
    public var requestID: UInt64
    /// The outcome.
    public var result: ClientResult
    /// The client the request came from (a gateway routes the reply back by it).
    public var origin: NodeName?
    /// Makes a reply.
    public init(requestID: UInt64, result: ClientResult, origin: NodeName? = nil) {
        self.requestID = requestID
        self.result = result
        self.origin = origin
    }

    /// The request's end-to-end identity, when the reply names its origin.
    public var key: RequestKey? { origin.map { RequestKey(origin: $0, id: requestID) } }
}

/// The outcome of a request.
public enum ClientResult: ServiceMessage {
    /// Done.
    case ok
    /// Login succeeded: the token.
    case token(String)
    /// A yes/no answer (is-online; state).
    case flag(Bool)
    /// Push accepted with this id (message, broadcast): the session node holds it in its outbox.
    case accepted(pushID: UInt64)
    /// A chat command put the member in room `roomID` titled `title` (create, join, restore).
    case joined(roomID: Int, title: String)
    /// Refused: why (bad or expired token, not serving yet, a node unavailable, …).
    case refused(Refusal)
    /// The reply of a service whose `Reply` is its own type.
    case reply(ServicePayload)

    /// Whether the request succeeded.
    public var isSuccess: Bool { if case .refused = self { false } else { true } }

    /// The refusal, when refused.
    public var refusal: Refusal? { if case .refused(let r) = self { r } else { nil } }
}

/// A call between servers. Each is wrapped in `.backend(group:…)`.
package enum BackendCall: Codable, Equatable, Sendable {
    /// frontend → session: `user` opened a push stream `connection` here at `since` (ns).
    case sessionLogin(user: String, frontend: NodeName, connection: UInt64, since: Int64)
    /// session → frontend: the `sessionLogin` of `connection` arrived (the frontend sends it
    /// again until this comes).
    case sessionLoginAck(user: String, connection: UInt64)
    /// frontend → session: that stream closed. Removes only an entry with the same connection.
    case sessionLogout(user: String, frontend: NodeName, connection: UInt64)
    /// frontend → session: my live streams (after a session restart).
    /// `through` is the newest connection number the frontend had when it made the list: entries
    /// of newer streams are not the list's to remove.
    case sessionResync(frontend: NodeName, entries: [ResyncEntry], through: UInt64)
    /// session → frontend: please re-send your streams (I restarted).
    case resyncRequest
    /// any → session: push to users (routed to each user's push frontend). Answered with
    /// `executed(request:result:)` once the push is in the outbox; copies of `request` are
    /// executed once.
    case pushTo(users: [String], pushID: UInt64, body: PushBody, acceptedAt: Int64, request: RequestKey)
    /// any → session: push to everyone online (answered and deduplicated like `pushTo`).
    case broadcast(pushID: UInt64, body: PushBody, acceptedAt: Int64, request: RequestKey)
    /// session → push frontend (a frontend or a chat door): write this push to the streams of its
    /// recipients here (one message per push frontend per push; see `PushDelivery`).
    case deliver(PushDelivery)
    /// frontend → session: the user acknowledged every push up to `upTo` of `generation`.
    case ack(user: String, upTo: UInt64, generation: UInt64)
    /// chat door → session: the cumulative acknowledgements of several members at once (what the
    /// door gathered since its last flush), each taken as an `ack`.
    case acks([PushAck])
    /// session → frontend: close `user`'s stream `connection` (a newer login won, or a kick).
    case kickStream(user: String, connection: UInt64, reason: String)
    /// frontend → session: kick a user wherever they are (answered with `executed`).
    case kick(user: String, request: RequestKey)
    /// frontend → session: is `user` online? Answered with `executed(request:result: .flag(…))`.
    case isOnline(user: String, request: RequestKey)
    /// frontend → chat: a member's command, answered with `executed` when it carries a request
    /// key (a chat door's commands come in order on a stream and carry none).
    case chat(user: String, command: ChatCommand, request: RequestKey?)
    /// chat door → chat: consecutive commands of one door in one message (those of one turn of
    /// the door's mailbox), in order, each taken as `chat(user:command:request: nil)`.
    case chatCommands([DoorCommand])
    /// executor → caller: the request `request` was executed (or refused) with this result; a
    /// copy of an executed request gets the first result again.
    case executed(request: RequestKey, result: ClientResult)
    /// frontend → session: a frontend service's call of the backend service `name` for the
    /// verified `user`, executed once per `request` (answered with `executed`, result `.reply`).
    case service(name: String, user: String, payload: ServicePayload, request: RequestKey)
    /// Several calls from one node to another in one message (`CallBatch`): those one event of
    /// the sender produced for that node, in order, each taken as if it came alone. Sent to
    /// the nodes whose cores take it — chat → session (`pushTo`s), session → chat (`executed`
    /// answers) and session → chat door (`deliver`s) — never nested (a nested batch is ignored).
    case batch([BackendCall])

    /// The trace label (the one table is `ClusterMessage.traceLabel`, which matches calls
    /// without copying them).
    package var traceLabel: String { ClusterMessage.backend(group: "", self).traceLabel }
}

/// One live stream in a frontend's re-sync.
package struct ResyncEntry: Codable, Equatable, Sendable {
    /// The user.
    package var user: String
    /// Their stream's connection id.
    package var connection: UInt64
    /// When it opened (ns).
    package var since: Int64
    /// Makes an entry.
    package init(user: String, connection: UInt64, since: Int64) {
        self.user = user
        self.connection = connection
        self.since = since
    }
}
