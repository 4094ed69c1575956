import NetModel

extension FrontendNode {
    /// A request whose handler is running here.
    struct RunningHandler {
        /// Where the answer goes (the latest copy's route; nil when its connection closed).
        var route: ReplyRoute?
        /// The step the handler's next call gets (`RequestKey.step`).
        var nextStep: UInt16 = 0
        /// A refusal the handler was handed by an executor, or one already logged (a deadline):
        /// the handler passing it on is not logged again.
        var relayed: Refusal?
    }

    /// Runs a service's handler for `key` as a task on this node's executor (the simulator's, in
    /// a simulated run: deterministic), and answers its latest route when it returns.
    func runHandler(_ handler: @escaping FrontendServiceEntry.Handler, service: String, key: RequestKey,
                    claims: TokenClaims?, route: ReplyRoute, remember: Bool) {
        running[key] = RunningHandler(route: route)
        let context = ServiceContext(service: service, request: key, claims: claims, frontend: self)
        Task.immediate(executorPreference: env.taskExecutor) {
            let outcome = await handler(context)
            self.handlerReturned(key, service: service, outcome: outcome, remember: remember)
        }
    }

    private func handlerReturned(_ key: RequestKey, service: String, outcome: Result<ClientResult, Refusal>,
                                 remember: Bool) {
        guard let handler = running.removeValue(forKey: key) else { return }
        let result: ClientResult
        switch outcome {
        case .success(let answer):
            result = answer
        case .failure(let refusal):
            result = .refused(refusal)
            if handler.relayed != refusal {
                env.log(NodeLog.requestRejected, ["client": .name(key.origin), "service": .text(service),
                                                  "reason": .text(refusal.label), "req": .number(key.id)])
            }
        }
        if remember { executed.finish(key, answer: result) }
        if let route = handler.route { reply(ClientReply(requestID: key.id, result: result, origin: key.origin), route) }
    }

    /// A handler's call: sent to its executor under the request's key and the call's step, and
    /// resent until the executor answers or the deadline passes.
    /// - Returns: the executor's result.
    /// - Throws: the executor's refusal, or a retryable refusal at the deadline.
    func perform(_ effect: ServiceEffect, for request: RequestKey) async throws(Refusal) -> ClientResult {
        let step = running[request]?.nextStep ?? 0
        running[request]?.nextStep = step &+ 1
        let key = request.step(step)
        let now = env.now.nanoseconds
        let (executor, call): (Executor, BackendCall)
        switch effect {
        case .isOnline(let user): (executor, call) = (.session, .isOnline(user: user, request: key))
        case .push(let users, let body):
            (executor, call) = (.session, .pushTo(users: users, pushID: newPushID(), body: body, acceptedAt: now, request: key))
        case .broadcast(let body):
            (executor, call) = (.session, .broadcast(pushID: newPushID(), body: body, acceptedAt: now, request: key))
        case .kick(let user): (executor, call) = (.session, .kick(user: user, request: key))
        case .chat(let user, let command): (executor, call) = (.chat, .chat(user: user, command: command, request: key))
        case .service(let name, let user, let payload):
            (executor, call) = (.session, .service(name: name, user: user, payload: payload, request: key))
        }
        let result = await withUnsafeContinuation { (waiter: UnsafeContinuation<ClientResult, Never>) in
            forward(key, to: executor, call: call, waiter: waiter)
        }
        if let refusal = result.refusal {
            running[request]?.relayed = refusal
            throw refusal
        }
        return result
    }

    /// Records a service's trace event.
    func logForService(_ label: String, _ detail: TraceDetail) { env.log(label, detail) }

    /// Draws from the node's random stream for a service.
    func randomForService() -> UInt64 { env.random() }

    /// Signs a fresh login token for `user` (the Login service) and records it.
    func issueLoginToken(for user: String) -> String {
        let now = nowSeconds
        let exp = now + Int64(env.settings.tokenLifetime.components.seconds)
        env.log(NodeLog.tokenIssued, ["user": .text(user), "exp": .signed(Int64(exp))])
        return issue(TokenClaims(sub: user, iat: now, exp: exp))
    }
}
