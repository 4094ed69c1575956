import NetModel

extension FrontendNode {
    /// Serves one client request: the service blocker first, then the token (every request but
    /// State and Login), then the service: a read (State, Login, IsOnline) is executed here at most
    /// once per request key; anything that needs the session or the chat node's state (a push, a
    /// broadcast, a kick, is-online, a chat command) is forwarded to that node, which executes it,
    /// and answered only once that node answered (`calls`).
    func serve(_ request: ClientRequest, route: ReplyRoute, client: NodeName) {
        let service = request.traceLabel
        let key = RequestKey(origin: client, id: request.requestID)
        func refuse(_ refusal: Refusal) {
            env.log(NodeLog.requestRejected, ["client": .name(client), "service": .text(service), "reason": .text(refusal.label),
                                              "req": .number(key.id)])
            reply(ClientReply(requestID: request.requestID, result: .refused(refusal), origin: client), route)
        }
        if let tooLarge = RequestLimits.standard.refusal(for: request) { return refuse(tooLarge) }
        guard link.isServing else { return refuse(.notServing) }
        var user = ""
        switch request.service {
        case .state, .login:
            break
        default:
            switch verify(request.token) {
            case .success(let claims): user = claims.sub
            case .failure(.expired): return refuse(.expiredToken)
            case .failure(let error): return refuse(.badToken("\(error)"))
            }
        }
        if case .login(let name, let password) = request.service,
           name.isEmpty || password != Self.password(for: name) {
            return refuse(.wrongPassword)
        }
        env.log(NodeLog.requestServed, ["client": .name(client), "service": .text(service), "user": .text(user),
                                        "req": .number(key.id)])
        switch request.service {
        case .state, .login:
            executeRead(request, key: key, user: user, route: route)
        case .isOnline(let target):
            forward(key, route: route, to: .session) { .isOnline(user: target, request: key) }
        case .message(let to, let text):
            forward(key, route: route, to: .session) {
                .pushTo(users: [to], pushID: newPushID(), body: .message(from: user, text: text),
                        acceptedAt: env.now.nanoseconds, request: key)
            }
        case .broadcast(let text):
            forward(key, route: route, to: .session) {
                .broadcast(pushID: newPushID(), body: .broadcast(text: text),
                           acceptedAt: env.now.nanoseconds, request: key)
            }
        case .kick(let target):
            forward(key, route: route, to: .session) { .kick(user: target, request: key) }
        case .chat(let command):
            forward(key, route: route, to: .chat) { .chat(user: user, command: command, request: key) }
        }
    }

    /// A read executed here, once per key: a copy gets the first answer.
    private func executeRead(_ request: ClientRequest, key: RequestKey, user: String, route: ReplyRoute) {
        let answer = executed.executeOnce(key, service: request.traceLabel, log: env) { () -> ClientResult in
            guard case .login(let name, _) = request.service else { return .flag(true) }
            let now = nowSeconds
            let exp = now + Int64(env.settings.tokenLifetime.components.seconds)
            env.log(NodeLog.tokenIssued, ["user": .text(name), "exp": .signed(Int64(exp))])
            return .token(issue(TokenClaims(sub: name, iat: now, exp: exp)))
        }
        if let answer { reply(ClientReply(requestID: key.id, result: answer, origin: key.origin), route) }
    }

    /// Verifies a token, remembering good signatures.
    /// - Returns: the claims, or why the token is refused (expiry checked on every call).
    func verify(_ token: String) -> Result<TokenClaims, TokenError> {
        let now = nowSeconds
        if let claims = verifiedTokens.claims(for: token) {
            return now >= claims.exp ? .failure(.expired(exp: claims.exp, now: now)) : .success(claims)
        }
        let result = signer.verify(token, now: now, leeway: 5)
        if case .success(let claims) = result { verifiedTokens.remember(token, claims) }
        return result
    }

    /// Signs `claims`. The frontend remembers the token as verified: it has just signed it, so
    /// its own clients' next requests skip the HMAC here (other frontends still check it).
    func issue(_ claims: TokenClaims) -> String {
        let token = signer.sign(claims)
        verifiedTokens.remember(token, claims)
        return token
    }

    /// The demo password of a user (the cluster has no user database): `pw-USER`.
    static func password(for user: String) -> String { "pw-" + user }

    /// A push id unique in the cluster: the frontend's number, then a tag of this incarnation (a
    /// restarted frontend must not reuse ids), then a counter.
    func newPushID() -> UInt64 {
        defer { nextPush += 1 }
        return pushIDPrefix | nextPush
    }

    func callSession(_ call: BackendCall) {
        if let session = sessionNode { backend(call, to: session) }
    }
}
