import NetModel

/// Who called a service, as the verified token says (seed 000's `Session.GetUserInfoOrThrow`).
public struct UserInfo: Sendable, Equatable {
    /// The user.
    public var user: String
    /// The frontend that holds the user's push stream, when the token names one (a token renewed
    /// when the stream opened does).
    public var pushFrontend: NodeName?
}

/// What a frontend service's handler may use: the caller, the cluster (pushes, the session and
/// chat nodes, backend services — every call authenticated as the cluster's and executed at most
/// once per request), the trace, and the node's time and randomness.
///
/// Each call a handler makes carries the request's key and the call's position in the handler
/// (`RequestKey.step`), so a handler run again for a copy of the request (a client's retry, a
/// retry at another frontend after a crash) gets the first answers instead of a second effect.
public struct ServiceContext: Sendable {
    /// The service being served.
    public let service: String
    /// The request's identity end to end.
    public let request: RequestKey
    /// The verified token's claims (nil for an anonymous service called without a token).
    public let claims: TokenClaims?
    let frontend: FrontendNode

    /// The client that made the request.
    public var client: NodeName { request.origin }

    /// The verified user (empty for an anonymous call).
    public var user: String { claims?.sub ?? "" }

    /// The caller (seed 000's `GetUserInfoOrThrow`).
    /// - Throws: `Refusal.badToken` for an anonymous call.
    public func userInfo() throws(Refusal) -> UserInfo {
        guard let claims else { throw .badToken("no token") }
        return UserInfo(user: claims.sub, pushFrontend: claims.push.flatMap { NodeName(parsing: $0) })
    }

    /// The caller, who must be online now: the session node is asked (seed 000's
    /// `GetOnlineUserInfoOrThrow`).
    /// - Throws: `Refusal.notOnline` when the user has no push stream, or why the session node
    ///   could not answer.
    nonisolated(nonsending) public func onlineUserInfo() async throws(Refusal) -> UserInfo {
        let info = try userInfo()
        guard try await isOnline(info.user) else { throw .notOnline(info.user) }
        return info
    }

    /// Whether `user` has a push stream now (the session node answers).
    nonisolated(nonsending) public func isOnline(_ user: String) async throws(Refusal) -> Bool {
        let result = try await frontend.perform(.isOnline(user: user), for: request)
        guard case .flag(let online) = result else { throw .unexpectedAnswer(service) }
        return online
    }

    /// Pushes `text` from the caller to `users` through the session node.
    /// - Returns: the push's id, once the session node holds it.
    @discardableResult
    nonisolated(nonsending) public func push(_ text: String, to users: [String]) async throws(Refusal) -> UInt64 {
        try await accepted(frontend.perform(.push(users: users, body: .message(from: user, text: text)), for: request))
    }

    /// Pushes `text` to every online user.
    /// - Returns: the push's id, once the session node holds it.
    @discardableResult
    nonisolated(nonsending) public func broadcast(_ text: String) async throws(Refusal) -> UInt64 {
        try await accepted(frontend.perform(.broadcast(body: .broadcast(text: text)), for: request))
    }

    /// Closes `user`'s push stream wherever it is.
    nonisolated(nonsending) public func kick(_ user: String) async throws(Refusal) {
        _ = try await frontend.perform(.kick(user: user), for: request)
    }

    /// Sends a chat command for the caller to the chat node.
    /// - Returns: the chat node's answer (`.ok`, or `.joined` for create, join and restore).
    nonisolated(nonsending) public func chat(_ command: ChatCommand) async throws(Refusal) -> ClientResult {
        try await frontend.perform(.chat(user: user, command: command), for: request)
    }

    /// Calls the backend service `type` (hosted by the session node) for the caller.
    /// - Returns: its reply.
    nonisolated(nonsending) public func call<B: BackendService>(_ type: B.Type, _ request: B.Request) async throws(Refusal) -> B.Reply {
        let result = try await frontend.perform(.service(name: B.name, user: user, payload: ServicePayload(request)),
                                                for: self.request)
        guard case .reply(let payload) = result else { throw .unexpectedAnswer(B.name) }
        do { return try payload.decode(as: B.Reply.self) } catch { throw .badRequest("\(B.name) reply: \(error)") }
    }

    /// Records an event in the trace, from the frontend (`label` a stable kind, `detail` its
    /// fields).
    nonisolated(nonsending) public func log(_ label: String, _ detail: TraceDetail) async {
        await frontend.logForService(label, detail)
    }

    /// 64 bits from the frontend's random stream (seeded on the simulator).
    nonisolated(nonsending) public func random() async -> UInt64 { await frontend.randomForService() }

    /// The frontend's clock.
    public var now: VirtualInstant { frontend.env.now }

    /// Signs a login token for `user` (the Login service).
    nonisolated(nonsending) func issueToken(for user: String) async -> String { await frontend.issueLoginToken(for: user) }

    private func accepted(_ result: ClientResult) throws(Refusal) -> UInt64 {
        guard case .accepted(let pushID) = result else { throw .unexpectedAnswer(service) }
        return pushID
    }
}

/// A call a handler makes through its context; the frontend turns it into a backend call with the
/// request's key (and a push id, made once per call).
enum ServiceEffect: Sendable {
    case isOnline(user: String)
    case push(users: [String], body: PushBody)
    case broadcast(body: PushBody)
    case kick(user: String)
    case chat(user: String, command: ChatCommand)
    case service(name: String, user: String, payload: ServicePayload)
}
