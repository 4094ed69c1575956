import NetModel

extension FrontendNode {
    /// A write the frontend forwarded to its executor and has not answered yet.
    struct ForwardedCall {
        /// The call (with its request key; resent unchanged).
        var call: BackendCall
        /// Which node executes it.
        var executor: Executor
        /// Where the answer goes (the latest copy's route).
        var route: ReplyRoute
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

    /// Forwards the write `key` to its executor and answers the client when the executor
    /// confirms (`executed`). A copy of a write already waiting only updates where the answer
    /// goes. `make` builds the call once: a retry sends the very same call (same push id).
    func forward(_ key: RequestKey, route: ReplyRoute, to executor: Executor, _ make: () -> BackendCall) {
        if calls[key] != nil {
            calls[key]?.route = route
            return
        }
        let deadline = env.now.advanced(by: Self.callDeadline).nanoseconds
        calls[key] = ForwardedCall(call: make(), executor: executor, route: route, deadline: deadline,
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
                reply(ClientReply(requestID: key.id, result: .refused(refusal), origin: key.origin), pending.route)
                continue
            }
            guard now - pending.sentAt >= due else { continue }
            calls[key]?.sentAt = now
            sendCall(key)
        }
    }

    /// The executor's answer to a forwarded write: answer the client (once; a later copy of the
    /// answer finds nothing waiting).
    func executedCall(_ key: RequestKey, result: ClientResult) {
        guard let pending = calls.removeValue(forKey: key) else { return }
        reply(ClientReply(requestID: key.id, result: result, origin: key.origin), pending.route)
    }
}
