import NetModel

/// Why a request was refused: a typed contract between the cluster and its clients (a client
/// branches on the case, never on text). `label` is the stable text the trace records.
public enum Refusal: Error, Codable, Equatable, Hashable, Sendable {
    /// The node is not registered (the service blocker) or was fenced.
    case notServing
    /// The token's `exp` has passed: log in again.
    case expiredToken
    /// The token did not verify (signature, claims, format): log in again.
    case badToken(String)
    /// Login with a wrong password.
    case wrongPassword
    /// The gateway has no live frontend to route to.
    case noFrontend
    /// The gateway's connection to the frontend broke before the answer came.
    case frontendUnavailable
    /// The session node did not confirm the call before the frontend's deadline (it may still
    /// have executed it: retry with the same request id and get the first answer).
    case sessionUnavailable
    /// The chat node did not confirm the command before the frontend's deadline (as above).
    case chatUnavailable
    /// The chat node does not know the member in a room (it restarted): restore the membership.
    case notInRoom
    /// The request id is older than the executor's window for its origin: it was neither
    /// executed now nor remembered; a new request must be made.
    case staleRequest
    /// The frontend serves no service of this name.
    case unknownService(String)
    /// The request's payload is not what the service expects (detail: why).
    case badRequest(String)
    /// The user the service needs online has no push stream (`ServiceContext.onlineUserInfo`).
    case notOnline(String)
    /// A node answered a call with a result of the wrong kind (the service's name).
    case unexpectedAnswer(String)
    /// A service's own refusal (its reason, defined by the service).
    case rejected(String)
    /// A field of the request is larger than the cluster accepts (`RequestLimits`): the field's
    /// name (`user`, `password`, `token`, …). Nothing of the request is kept.
    case tooLarge(String)

    /// The stable trace text: `not-serving`, `expired-token`, `bad-token:DETAIL`, …
    public var label: String {
        switch self {
        case .notServing: "not-serving"
        case .expiredToken: "expired-token"
        case .badToken(let detail): "bad-token:" + detail
        case .wrongPassword: "wrong-password"
        case .noFrontend: "no-frontend"
        case .frontendUnavailable: "frontend-unavailable"
        case .sessionUnavailable: "session-unavailable"
        case .chatUnavailable: "chat-unavailable"
        case .notInRoom: "not-in-room"
        case .staleRequest: "stale-request"
        case .unknownService(let name): "unknown-service:" + name
        case .badRequest(let detail): "bad-request:" + detail
        case .notOnline(let user): "not-online:" + user
        case .unexpectedAnswer(let service): "unexpected-answer:" + service
        case .rejected(let reason): "rejected:" + reason
        case .tooLarge(let field): "too-large:" + field
        }
    }

    /// Whether the same request (same id) may succeed if sent again later.
    public var isRetryable: Bool {
        switch self {
        case .notServing, .noFrontend, .frontendUnavailable, .sessionUnavailable, .chatUnavailable: true
        case .expiredToken, .badToken, .wrongPassword, .notInRoom, .staleRequest, .unknownService, .badRequest,
             .notOnline, .unexpectedAnswer, .rejected, .tooLarge: false
        }
    }

    /// Whether the refusal is a service's answer about the request itself (the user is not
    /// online, the service's own reason), not a failure of the cluster to serve it.
    public var isServiceAnswer: Bool {
        switch self {
        case .notOnline, .rejected: true
        default: false
        }
    }

    /// Whether the client must log in again (its token is refused).
    public var needsLogin: Bool {
        switch self {
        case .expiredToken, .badToken: true
        default: false
        }
    }
}
