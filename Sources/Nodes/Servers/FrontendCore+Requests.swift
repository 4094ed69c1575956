import NetModel

extension FrontendCore {
    /// A request whose handler is running here.
    struct RunningHandler {
        /// The service's name.
        var service: String
        /// Whether the service remembers its answers (`executed`).
        var remember: Bool
        /// Where the answer goes (the latest copy's route; nil when its connection closed).
        var route: ReplyRoute?
        /// The step the handler's next call gets (`RequestKey.step`).
        var nextStep: UInt16 = 0
        /// A refusal the handler was handed by an executor, or one already logged (a deadline):
        /// the handler passing it on is not logged again.
        var relayed: Refusal?
    }

    /// A client's request sent to this frontend directly.
    /// - Parameter seconds: the token clock (`NodeEnvironment.tokenSeconds`).
    mutating func request(_ request: ClientRequest, from client: NodeName, link: Link, seconds: Int64) -> [Action] {
        begin(link)
        serve(request, route: .direct(client), client: client, seconds: seconds)
        return end()
    }

    /// Serves one client request: the service blocker first, then the service by name, then the
    /// token (unless the service is anonymous), then the service's handler (`.runHandler`).
    /// A copy of a request whose handler is still running only updates where the answer goes; a
    /// service that remembers answers (Login, State) answers a later copy with its first answer.
    mutating func serve(_ request: ClientRequest, route: ReplyRoute, client: NodeName, seconds: Int64) {
        let service = request.traceLabel
        let key = RequestKey(origin: client, id: request.requestID)
        if let tooLarge = RequestLimits.standard.refusal(for: request) { return refuse(tooLarge, key, service, route) }
        guard link.isServing else { return refuse(.notServing, key, service, route) }
        guard let entry = services.frontend[service] else { return refuse(.unknownService(service), key, service, route) }
        var claims: TokenClaims?
        if entry.access == .signedIn {
            switch verify(request.token, seconds: seconds) {
            case .success(let verified): claims = verified
            case .failure(.expired): return refuse(.expiredToken, key, service, route)
            case .failure(let error): return refuse(.badToken("\(error)"), key, service, route)
            }
        }
        let handler: PreparedHandler
        switch entry.prepare(request.call.payload) {
        case .success(let ready): handler = ready
        case .failure(let refusal): return refuse(refusal, key, service, route)
        }
        log(NodeLog.requestServed, ["client": .name(client), "service": .text(service), "user": .text(claims?.sub ?? ""),
                                    "req": .number(key.id)])
        if running[key] != nil {
            running[key]?.route = route
            return
        }
        if entry.remembersAnswers {
            switch executed.begin(key) {
            case .execute:
                log(NodeLog.requestExecuted, ["origin": .name(key.origin), "req": .number(key.id), "service": .text(service)])
            case .repeated(let first):
                log(NodeLog.requestRepeat, ["origin": .name(key.origin), "req": .number(key.id), "service": .text(service)])
                return reply(ClientReply(requestID: key.id, result: first, origin: key.origin), route)
            case .inProgress:
                return
            case .stale:
                log(NodeLog.callDropped, ["call": .text(service), "from": .name(key.origin), "reason": .text("stale-request")])
                return reply(ClientReply(requestID: key.id, result: .refused(.staleRequest), origin: key.origin), route)
            }
        }
        running[key] = RunningHandler(service: service, remember: entry.remembersAnswers, route: route)
        act(.runHandler(HandlerStart(handler: handler, service: service, key: key, claims: claims)))
    }

    /// Refuses request `key` of `service`: logged, answered along `route`.
    private mutating func refuse(_ refusal: Refusal, _ key: RequestKey, _ service: String, _ route: ReplyRoute) {
        log(NodeLog.requestRejected, ["client": .name(key.origin), "service": .text(service), "reason": .text(refusal.label),
                                      "req": .number(key.id)])
        reply(ClientReply(requestID: key.id, result: .refused(refusal), origin: key.origin), route)
    }

    /// The handler of request `key` returned `outcome`: a refusal not relayed from an executor is
    /// logged, a remembered service's answer kept, and the answer sent along the request's latest
    /// route (none when its connection closed).
    mutating func handlerReturned(_ key: RequestKey, outcome: Result<ClientResult, Refusal>) -> [Action] {
        begin()
        guard let handler = running.removeValue(forKey: key) else { return end() }
        running.giveBackBurstRoom()
        let result: ClientResult
        switch outcome {
        case .success(let answer):
            result = answer
        case .failure(let refusal):
            result = .refused(refusal)
            if handler.relayed != refusal {
                log(NodeLog.requestRejected, ["client": .name(key.origin), "service": .text(handler.service),
                                              "reason": .text(refusal.label), "req": .number(key.id)])
            }
        }
        if handler.remember { executed.finish(key, answer: result) }
        if let route = handler.route { reply(ClientReply(requestID: key.id, result: result, origin: key.origin), route) }
        return end()
    }

    /// Signs a fresh login token for `user` (the Login service) and records it.
    /// - Returns: the token, and the trace record to carry out before the handler goes on.
    mutating func issueLoginToken(for user: String, seconds: Int64) -> (token: String, actions: [Action]) {
        begin()
        let exp = seconds + tokenLifetime
        log(NodeLog.tokenIssued, ["user": .text(user), "exp": .signed(exp)])
        let token = issue(TokenClaims(sub: user, iat: seconds, exp: exp))
        return (token, end())
    }

    /// Verifies a token, remembering good signatures.
    /// - Returns: the claims, or why the token is refused (expiry checked on every call).
    mutating func verify(_ token: String, seconds now: Int64) -> Result<TokenClaims, TokenError> {
        if let claims = verifiedTokens.claims(for: token) {
            return now >= claims.exp ? .failure(.expired(exp: claims.exp, now: now)) : .success(claims)
        }
        let result = signer.verify(token, now: now, leeway: 5)
        if case .success(let claims) = result { verifiedTokens.remember(token, claims) }
        return result
    }

    /// Signs `claims`. The frontend remembers the token as verified: it has just signed it, so
    /// its own clients' next requests skip the HMAC here (other frontends still check it).
    mutating func issue(_ claims: TokenClaims) -> String {
        let token = signer.sign(claims)
        verifiedTokens.remember(token, claims)
        return token
    }
}
