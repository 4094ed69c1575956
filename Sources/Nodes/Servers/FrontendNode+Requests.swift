import NetModel

extension FrontendNode {
    /// Serves one client request: the service blocker first, then the service by name, then the
    /// token (unless the service is anonymous), then the service's handler (`runHandler`).
    /// A copy of a request whose handler is still running only updates where the answer goes; a
    /// service that remembers answers (Login, State) answers a later copy with its first answer.
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
        guard let entry = services.frontend[service] else { return refuse(.unknownService(service)) }
        var claims: TokenClaims?
        if entry.access == .signedIn {
            switch verify(request.token) {
            case .success(let verified): claims = verified
            case .failure(.expired): return refuse(.expiredToken)
            case .failure(let error): return refuse(.badToken("\(error)"))
            }
        }
        let handler: FrontendServiceEntry.Handler
        switch entry.prepare(request.call.payload) {
        case .success(let ready): handler = ready
        case .failure(let refusal): return refuse(refusal)
        }
        env.log(NodeLog.requestServed, ["client": .name(client), "service": .text(service), "user": .text(claims?.sub ?? ""),
                                        "req": .number(key.id)])
        if running[key] != nil {
            running[key]?.route = route
            return
        }
        if entry.remembersAnswers {
            switch executed.begin(key) {
            case .execute:
                env.log(NodeLog.requestExecuted, ["origin": .name(key.origin), "req": .number(key.id), "service": .text(service)])
            case .repeated(let first):
                env.log(NodeLog.requestRepeat, ["origin": .name(key.origin), "req": .number(key.id), "service": .text(service)])
                return reply(ClientReply(requestID: key.id, result: first, origin: key.origin), route)
            case .inProgress:
                return
            case .stale:
                env.log(NodeLog.callDropped, ["call": .text(service), "from": .name(key.origin), "reason": .text("stale-request")])
                return reply(ClientReply(requestID: key.id, result: .refused(.staleRequest), origin: key.origin), route)
            }
        }
        runHandler(handler, service: service, key: key, claims: claims, route: route, remember: entry.remembersAnswers)
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

    /// A push id unique in the cluster: the frontend's number, then a tag of this incarnation (a
    /// restarted frontend must not reuse ids), then a counter.
    func newPushID() -> UInt64 {
        defer { nextPush += 1 }
        return PushIDLayout.id(prefix: pushIDPrefix, counter: nextPush)
    }

    func callSession(_ call: BackendCall) {
        if let session = sessionNode { backend(call, to: session) }
    }
}
