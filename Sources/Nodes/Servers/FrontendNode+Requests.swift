import NetModel

extension FrontendNode {
    /// Serves one client request: the service blocker first, then the token (every request but
    /// State and Login), then the service.
    func serve(_ request: ClientRequest, route: ReplyRoute, client: NodeName) {
        let service = request.traceLabel
        func refuse(_ reason: String) {
            env.log(NodeLog.requestRejected, ["client": .name(client), "service": .text(service), "reason": .text(reason)])
            reply(ClientReply(requestID: request.requestID, result: .error(reason)), route)
        }
        guard link.isServing else { return refuse("not-serving") }
        var user = ""
        switch request.service {
        case .state, .login:
            break
        default:
            switch verify(request.token) {
            case .success(let claims): user = claims.sub
            case .failure(.expired): return refuse("expired-token")
            case .failure(let error): return refuse("bad-token:\(error)")
            }
        }
        let result: ClientResult?
        switch request.service {
        case .state:
            result = .flag(true)
        case .login(let name, let password):
            guard !name.isEmpty, password == Self.password(for: name) else { return refuse("wrong-password") }
            user = name
            let now = nowSeconds
            let exp = now + Int64(env.settings.tokenLifetime.components.seconds)
            env.log(NodeLog.tokenIssued, ["user": .text(name), "exp": .signed(Int64(exp))])
            result = .token(issue(TokenClaims(sub: name, iat: now, exp: exp)))
        case .message(let to, let text):
            let id = newPushID()
            callSession(.pushTo(users: [to], pushID: id, body: .message(from: user, text: text),
                                acceptedAt: env.now.nanoseconds))
            result = .accepted(pushID: id)
        case .broadcast(let text):
            let id = newPushID()
            callSession(.broadcast(pushID: id, body: .broadcast(text: text), acceptedAt: env.now.nanoseconds))
            result = .accepted(pushID: id)
        case .kick(let target):
            callSession(.kick(user: target))
            result = .ok
        case .isOnline(let target):
            let id = nextBackendRequest
            nextBackendRequest += 1
            pendingOnline[id] = (request.requestID, route, client)
            callSession(.isOnline(user: target, requestID: id))
            result = nil   // answered when the session node replies
        case .chat(let command):
            guard let chat = link.config.chatNode?.name else { return refuse("no-chat-node") }
            backend(.chat(user: user, command: command), to: chat)
            result = .ok
        }
        env.log(NodeLog.requestServed, ["client": .name(client), "service": .text(service), "user": .text(user)])
        if let result { reply(ClientReply(requestID: request.requestID, result: result), route) }
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

    /// A push id unique in the cluster: the frontend's number, then a random tag of this
    /// incarnation (a restarted frontend must not reuse ids), then a counter.
    func newPushID() -> UInt64 {
        defer { nextPush += 1 }
        return pushIDPrefix | nextPush
    }

    func callSession(_ call: BackendCall) {
        if let session = sessionNode { backend(call, to: session) }
    }
}
