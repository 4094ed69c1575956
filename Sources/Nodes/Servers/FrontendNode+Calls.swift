import NetModel

extension FrontendNode {
    /// A call a handler made, forwarded to its executor and not answered yet.
    struct ForwardedCall {
        /// The call (with its request key; resent unchanged).
        var call: BackendCall
        /// Which node executes it.
        var executor: Executor
        /// The handler waiting for the answer.
        var waiter: UnsafeContinuation<ClientResult, Never>
        /// After this instant (ns) the client gets a retryable refusal.
        var deadline: Int64
        /// When it was last sent (ns).
        var sentAt: Int64
    }

    /// The node that executes a forwarded write.
    enum Executor {
        case session
        case chat

        /// The refusal when it did not confirm in time.
        var unavailable: Refusal { self == .session ? .sessionUnavailable : .chatUnavailable }
    }

    /// How long a frontend tries to get a write confirmed before it answers a retryable refusal
    /// (the client waits 2 s for an answer).
    static let callDeadline: Duration = .milliseconds(1_500)
    /// How often an unconfirmed write is sent to its executor again.
    static let callRetry: Duration = .milliseconds(300)

    /// Forwards the call `key` to its executor; `waiter` gets the executor's answer (`executed`),
    /// or a retryable refusal at the deadline. The very same call is resent on every retry (same
    /// push id).
    func forward(_ key: RequestKey, to executor: Executor, call: BackendCall,
                 waiter: UnsafeContinuation<ClientResult, Never>) {
        let deadline = env.now.advanced(by: Self.callDeadline).nanoseconds
        calls[key] = ForwardedCall(call: call, executor: executor, waiter: waiter, deadline: deadline,
                                   sentAt: env.now.nanoseconds)
        sendCall(key)
        if !callTickScheduled { scheduleCallTick() }
    }

    private func sendCall(_ key: RequestKey) {
        guard let pending = calls[key] else { return }
        let target = pending.executor == .session ? sessionNode : link.config.chatNode?.name
        if let target { backend(pending.call, to: target) }
    }

    /// While calls wait, every `callRetry`: each call sent `callRetry` ago or more goes again,
    /// and each past its deadline is refused (one timer for all of them, not one per call).
    private func scheduleCallTick() {
        callTickScheduled = true
        env.scheduleTimer(after: Self.callRetry, on: self) { node in
            node.callTick()
            if node.calls.isEmpty { node.callTickScheduled = false } else { node.scheduleCallTick() }
        }
    }

    private func callTick() {
        let now = env.now.nanoseconds
        let due = Self.callRetry.nanosecondsClamped
        for key in calls.keys.sorted() {
            guard let pending = calls[key] else { continue }
            guard now < pending.deadline, link.isServing else {
                calls[key] = nil
                let refusal = link.isServing ? pending.executor.unavailable : .notServing
                env.log(NodeLog.requestRejected, ["client": .name(key.origin), "service": .text(pending.call.traceLabel),
                                                  "reason": .text(refusal.label), "req": .number(key.id)])
                pending.waiter.resume(returning: .refused(refusal))
                continue
            }
            guard now - pending.sentAt >= due else { continue }
            calls[key]?.sentAt = now
            sendCall(key)
        }
    }

    /// The executor's answer to a forwarded call: hand it to the waiting handler (once; a later
    /// copy of the answer finds nothing waiting).
    func executedCall(_ key: RequestKey, result: ClientResult) {
        calls.removeValue(forKey: key)?.waiter.resume(returning: result)
    }
}
