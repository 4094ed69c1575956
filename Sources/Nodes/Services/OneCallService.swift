import NetModel

/// A step of a one-call handler: the call to make, or the handler's outcome.
enum OneCallStep: Sendable {
    /// Make this call; the handler goes on with its answer.
    case call(ServiceEffect)
    /// The handler is done.
    case done(Result<ClientResult, Refusal>)
}

/// A frontend service whose handler makes at most one call of the cluster and then answers from
/// that call's answer alone — the built-in services but Login. The frontend runs such a handler
/// without a task: the call goes out and the answer comes back as plain events of the node, each
/// run where the task's job would have run (`NodeEnvironment.runAfterEvent`), so a run's trace is
/// the same as with a task, at a fraction of the cost (docs/performance.md). `handle` is the
/// same steps through the context (`handleInSteps`), so the service means the same wherever it
/// runs.
protocol OneCallService: FrontendService where Reply == ClientResult {
    /// The handler split at its call: with no answer yet, the call to make (or the outcome
    /// without one); with the call's answer, the outcome.
    func step(_ request: Request, user: String, answer: ClientResult?) -> OneCallStep
}

extension OneCallService {
    /// `handle` for a one-call service: its steps, with the call made through the context.
    nonisolated(nonsending) func handleInSteps(_ request: Request, context: ServiceContext) async throws(Refusal) -> ClientResult {
        switch step(request, user: context.user, answer: nil) {
        case .done(let outcome): return try outcome.get()
        case .call(let effect):
            let answer = try await context.frontend.perform(effect, for: context.request)
            guard case .done(let outcome) = step(request, user: context.user, answer: answer) else {
                throw .unexpectedAnswer(Self.name)
            }
            return try outcome.get()
        }
    }

    /// The answer expected from a push: its push id.
    func accepted(_ answer: ClientResult) -> OneCallStep {
        guard case .accepted(let pushID) = answer else { return .done(.failure(.unexpectedAnswer(Self.name))) }
        return .done(.success(.accepted(pushID: pushID)))
    }
}
