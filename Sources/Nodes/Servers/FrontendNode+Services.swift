import NetModel

extension FrontendNode {
    /// A handler waiting for the answer to its forwarded call.
    enum Waiter {
        /// An async handler's task, suspended in `perform`.
        case task(UnsafeContinuation<ClientResult, Never>)
        /// A one-call handler (`OneCallService`): its request, service, caller and steps.
        case oneCall(OneCallHandler)
    }

    /// A one-call handler between its call and the call's answer.
    struct OneCallHandler {
        let request: RequestKey
        let service: String
        let user: String
        let step: @Sendable (_ user: String, _ answer: ClientResult?) -> OneCallStep
    }

    /// Runs a service's handler for one request on this node's executor (the simulator's, in a
    /// simulated run: deterministic); its outcome goes to the core, which answers the request's
    /// latest route. An async handler runs as a task; a one-call handler's steps run as plain
    /// work of the node, each where the task's job would run (after the event), so both kinds
    /// leave the same trace.
    func runHandler(_ start: FrontendCore.HandlerStart) {
        let key = start.key
        switch start.handler {
        case .task(let handler):
            let context = ServiceContext(service: start.service, request: key, claims: start.claims, frontend: self)
            Task.immediate(executorPreference: env.taskExecutor) {
                let outcome = await handler(context)
                self.handlerReturned(key, outcome: outcome)
            }
        case .oneCall(let step):
            let handler = OneCallHandler(request: key, service: start.service, user: start.claims?.sub ?? "", step: step)
            env.runAfterEvent(on: self) { $0.startOneCall(handler) }
        }
    }

    /// A one-call handler's first step: its call, or its outcome at once.
    private func startOneCall(_ handler: OneCallHandler) {
        switch handler.step(handler.user, nil) {
        case .done(let outcome):
            handlerReturned(handler.request, outcome: outcome)
        case .call(let effect):
            let (key, actions) = core.handlerCall(effect, for: handler.request, link: view, now: env.now.nanoseconds)
            waiters[key] = .oneCall(handler)
            perform(consume actions)
        }
    }

    /// Hands the answer of the forwarded call `key` to the handler waiting for it.
    func resume(_ key: RequestKey, with result: ClientResult) {
        let waiter = waiters.removeValue(forKey: key)
        waiters.giveBackBurstRoom()
        switch waiter {
        case .task(let continuation)?:
            continuation.resume(returning: result)
        case .oneCall(let handler)?:
            env.runAfterEvent(on: self) { $0.finishOneCall(handler, answer: result) }
        case nil:
            break
        }
    }

    /// A one-call handler's last step: the outcome from its call's answer (a refusal is passed
    /// on, as `perform` throws it to an async handler).
    private func finishOneCall(_ handler: OneCallHandler, answer: ClientResult) {
        let outcome: Result<ClientResult, Refusal>
        if let refusal = answer.refusal {
            outcome = .failure(refusal)
        } else if case .done(let done) = handler.step(handler.user, answer) {
            outcome = done
        } else {
            outcome = .failure(.unexpectedAnswer(handler.service))
        }
        handlerReturned(handler.request, outcome: outcome)
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
            waiters[key] = .task(waiter)
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
