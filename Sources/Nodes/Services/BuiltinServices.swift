import NetModel

/// The request of `State` (it has no fields).
public struct StateRequest: ServiceMessage {
    /// The request.
    public init() {}
}

/// Seed 000's Init service, State: is this frontend up and serving? Anonymous.
public struct StateService: FrontendService, OneCallService {
    public static let name = "State"
    public static var access: ServiceAccess { .anonymous }
    public static var remembersAnswers: Bool { true }
    public init() {}
    nonisolated(nonsending) public func handle(_ request: StateRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    func step(_ request: StateRequest, user: String, answer: ClientResult?) -> OneCallStep { .done(.success(.flag(true))) }
}

/// The request of `Login`.
public struct LoginRequest: ServiceMessage {
    /// The user.
    public var user: String
    /// Their password.
    public var password: String
    /// A request.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}

/// Seed 000's Init service, Login: a JWT for a user and password. Anonymous; a copy of a login
/// gets the same token.
public struct LoginService: FrontendService {
    public static let name = "Login"
    public static var access: ServiceAccess { .anonymous }
    public static var remembersAnswers: Bool { true }
    public init() {}
    nonisolated(nonsending) public func handle(_ request: LoginRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        guard !request.user.isEmpty, request.password == Self.password(for: request.user) else { throw .wrongPassword }
        return .token(await context.issueToken(for: request.user))
    }

    /// The demo password of a user (the cluster has no user database): `pw-USER`.
    public static func password(for user: String) -> String { "pw-" + user }
}

/// The request of `MessageUser`.
public struct MessageRequest: ServiceMessage {
    /// The user the message goes to.
    public var to: String
    /// The text.
    public var text: String
    /// A request.
    public init(to: String, text: String) {
        self.to = to
        self.text = text
    }
}

/// Pushes a message from the caller to one user (answered `.accepted(pushID)` once the session
/// node holds it).
public struct MessageService: FrontendService, OneCallService {
    public static let name = "MessageUser"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: MessageRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    /// As `.accepted(pushID: try await context.push(request.text, to: [request.to]))`.
    func step(_ request: MessageRequest, user: String, answer: ClientResult?) -> OneCallStep {
        guard let answer else { return .call(.push(users: [request.to], body: .message(from: user, text: request.text))) }
        return accepted(answer)
    }
}

/// The request of `Broadcast`.
public struct BroadcastRequest: ServiceMessage {
    /// The text.
    public var text: String
    /// A request.
    public init(text: String) { self.text = text }
}

/// Pushes a text to every online user.
public struct BroadcastService: FrontendService, OneCallService {
    public static let name = "Broadcast"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: BroadcastRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    /// As `.accepted(pushID: try await context.broadcast(request.text))`.
    func step(_ request: BroadcastRequest, user: String, answer: ClientResult?) -> OneCallStep {
        guard let answer else { return .call(.broadcast(body: .broadcast(text: request.text))) }
        return accepted(answer)
    }
}

/// The request of `Kick`.
public struct KickRequest: ServiceMessage {
    /// The user whose stream is closed.
    public var user: String
    /// A request.
    public init(user: String) { self.user = user }
}

/// Closes a user's push stream wherever it is.
public struct KickService: FrontendService, OneCallService {
    public static let name = "Kick"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: KickRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    /// As `try await context.kick(request.user); return .ok`.
    func step(_ request: KickRequest, user: String, answer: ClientResult?) -> OneCallStep {
        answer == nil ? .call(.kick(user: request.user)) : .done(.success(.ok))
    }
}

/// The request of `IsOnline`.
public struct IsOnlineRequest: ServiceMessage {
    /// The user asked about.
    public var user: String
    /// A request.
    public init(user: String) { self.user = user }
}

/// Is a user online (has a push stream)? The session node answers.
public struct IsOnlineService: FrontendService, OneCallService {
    public static let name = "IsOnline"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: IsOnlineRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    /// As `.flag(try await context.isOnline(request.user))`.
    func step(_ request: IsOnlineRequest, user: String, answer: ClientResult?) -> OneCallStep {
        guard let answer else { return .call(.isOnline(user: request.user)) }
        guard case .flag(let online) = answer else { return .done(.failure(.unexpectedAnswer(Self.name))) }
        return .done(.success(.flag(online)))
    }
}

/// A chat command for the caller, executed by the chat node (seed 004 over the cluster).
public struct ChatService: FrontendService, OneCallService {
    public static let name = "ChatCommand"
    public init() {}
    nonisolated(nonsending) public func handle(_ request: ChatCommand, context: ServiceContext) async throws(Refusal) -> ClientResult {
        try await handleInSteps(request, context: context)
    }
    /// As `try await context.chat(request)`.
    func step(_ request: ChatCommand, user: String, answer: ClientResult?) -> OneCallStep {
        answer.map { .done(.success($0)) } ?? .call(.chat(user: user, command: request))
    }
}
