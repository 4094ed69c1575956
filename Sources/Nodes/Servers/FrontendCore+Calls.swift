import NetModel

extension FrontendCore {
    /// A call a handler made, forwarded to its executor and not answered yet.
    struct ForwardedCall {
        /// The call (with its request key; resent unchanged).
        var call: BackendCall
        /// Which node executes it.
        var executor: Executor
        /// After this instant (ns) the client gets a retryable refusal.
        var deadline: Int64
        /// When it was last sent (ns).
        var sentAt: Int64
    }

    /// The node that executes a forwarded call.
    enum Executor {
        /// The session node (pushes, broadcasts, kicks, is-online, backend services).
        case session
        /// The chat node (chat commands).
        case chat

        /// The refusal when it did not confirm in time.
        var unavailable: Refusal { self == .session ? .sessionUnavailable : .chatUnavailable }
    }

    /// A handler's call for `request`: made a backend call under the request's key and the call's
    /// step (a push gets a new push id), and forwarded to its executor.
    /// - Parameter now: the clock reading (ns).
    /// - Returns: the call's key (the shell keeps the handler waiting under it for `.resume`) and
    ///   the actions.
    mutating func handlerCall(_ effect: ServiceEffect, for request: RequestKey, link: Link,
                              now: Int64) -> (key: RequestKey, actions: [Action]) {
        begin(link)
        // One lookup, the handler's record updated in place (reading `running[request]?.nextStep`
        // copied the whole record out, then a second lookup wrote it back).
        var step: UInt16 = 0
        if let index = running.index(forKey: request) {
            step = running.values[index].nextStep
            running.values[index].nextStep = step &+ 1
        }
        let key = request.step(step)
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
        forward(key, to: executor, call: call, now: now)
        return (key, end())
    }

    /// Forwards the call `key` to its executor; the handler gets the executor's answer
    /// (`executedCall`), or a retryable refusal at the deadline. The very same call is resent on
    /// every retry (same push id).
    private mutating func forward(_ key: RequestKey, to executor: Executor, call: BackendCall, now: Int64) {
        // Sent from here rather than read back out of `calls` (`sendCall`): one copy of the call
        // fewer and one lookup fewer; the actions are the same, in the same order.
        if let target = executor == .session ? link.session : link.chat { send(call, to: target) }
        calls[key] = ForwardedCall(call: call, executor: executor, deadline: now &+ Self.callDeadlineNanoseconds, sentAt: now)
        if !callTickScheduled {
            callTickScheduled = true
            schedule(.callRetry, after: Self.callRetry)
        }
    }

    private mutating func sendCall(_ key: RequestKey) {
        guard let pending = calls[key] else { return }
        let target = pending.executor == .session ? link.session : link.chat
        if let target { send(pending.call, to: target) }
    }

    /// The `.callRetry` timer: each call sent `callRetry` ago or more goes again, each past its
    /// deadline is refused (one timer for all of them, not one per call); the timer runs again
    /// while calls wait.
    mutating func callTick(now: Int64) {
        let due = Self.callRetry.nanosecondsClamped
        for key in calls.keys.sorted() {
            guard let pending = calls[key] else { continue }
            guard now < pending.deadline, link.isServing else {
                calls[key] = nil
                let refusal = link.isServing ? pending.executor.unavailable : .notServing
                log(NodeLog.requestRejected, ["client": .name(key.origin), "service": .text(pending.call.traceLabel),
                                              "reason": .text(refusal.label), "req": .number(key.id)])
                resume(key, .refused(refusal))
                continue
            }
            guard now - pending.sentAt >= due else { continue }
            calls[key]?.sentAt = now
            sendCall(key)
        }
        calls.giveBackBurstRoom()
        if calls.isEmpty { callTickScheduled = false } else { schedule(.callRetry, after: Self.callRetry) }
    }

    /// The executor's answer to a forwarded call: handed to the waiting handler (once; a later
    /// copy of the answer finds nothing waiting).
    mutating func executedCall(_ key: RequestKey, result: ClientResult) {
        guard calls.removeValue(forKey: key) != nil else { return }
        calls.giveBackBurstRoom()
        resume(key, result)
    }

    /// Hands `result` to the handler waiting on call `key`; a refusal is the handler's to pass on
    /// without logging it again (`RunningHandler.relayed`).
    mutating func resume(_ key: RequestKey, _ result: ClientResult) {
        if let refusal = result.refusal { running[RequestKey(origin: key.origin, id: key.id)]?.relayed = refusal }
        act(.resume(key, result))
    }

    /// A push id unique in the cluster: the frontend's number, then a tag of this incarnation (a
    /// restarted frontend must not reuse ids), then a counter.
    mutating func newPushID() -> UInt64 {
        defer { nextPush += 1 }
        return PushIDLayout.id(prefix: pushIDPrefix, counter: nextPush)
    }
}
