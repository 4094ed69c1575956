import NetModel

extension FrontendNode {
    /// Runs a service's handler for one request as a task on this node's executor (the
    /// simulator's, in a simulated run: deterministic); its outcome goes to the core, which
    /// answers the request's latest route.
    func runHandler(_ start: FrontendCore.HandlerStart) {
        let key = start.key
        let handler = start.handler
        let context = ServiceContext(service: start.service, request: key, claims: start.claims, frontend: self)
        Task.immediate(executorPreference: env.taskExecutor) {
            let outcome = await handler(context)
            self.handlerReturned(key, outcome: outcome)
        }
    }

    private func handlerReturned(_ key: RequestKey, outcome: Result<ClientResult, Refusal>) {
        perform(core.handlerReturned(key, outcome: outcome))
    }

    /// A handler's call: sent to its executor under the request's key and the call's step, and
    /// resent until the executor answers or the deadline passes (the core decides; the handler
    /// waits here under the call's key until a `.resume`).
    /// - Returns: the executor's result.
    /// - Throws: the executor's refusal, or a retryable refusal at the deadline.
    func perform(_ effect: ServiceEffect, for request: RequestKey) async throws(Refusal) -> ClientResult {
        let result = await withUnsafeContinuation { (waiter: UnsafeContinuation<ClientResult, Never>) in
            let (key, actions) = core.handlerCall(effect, for: request, link: view, now: env.now.nanoseconds)
            waiters[key] = waiter
            perform(consume actions)
        }
        if let refusal = result.refusal { throw refusal }
        return result
    }

    /// Records a service's trace event.
    func logForService(_ label: String, _ detail: TraceDetail) { env.log(label, detail) }

    /// Draws from the node's random stream for a service.
    func randomForService() -> UInt64 { env.random() }

    /// Signs a fresh login token for `user` (the Login service) and records it.
    func issueLoginToken(for user: String) -> String {
        let (token, actions) = core.issueLoginToken(for: user, seconds: nowSeconds)
        perform(consume actions)
        return token
    }
}
