import NetModel

/// A simulated game client: logs in (through the gateway when there is one), opens its push stream
/// to a frontend, sends requests and messages at the workload's rates, acknowledges pushes, chats
/// in its room, and on losing its stream reconnects elsewhere with exponential back-off and jitter.
///
/// The actor is a thin shell: the logic is `ClientCore`, a value. Each event goes into the core
/// with the clock reading; the shell carries out the actions that come back, in order. The core's
/// timers stay data down to the environment: the shell keeps each by token (`PendingTimers`) and
/// arms a token timer, so a pending timer costs no closure.
package actor ClientNode: ClusterNode, TokenTimerTarget {
    package nonisolated let env: any NodeEnvironment
    // Actor state, touched only by this actor's handlers one at a time: no dynamic exclusivity
    // checks (they cost ~3% of the 1,000-client run; see docs/determinism.md, "Speed").
    @exclusivity(unchecked) var core: ClientCore
    /// The id of the last message sent (an attack's trace record names it).
    @exclusivity(unchecked) var lastMessageID: UInt64 = 0
    /// The core's timers armed and not yet due, by token (timers as data: no closure per timer).
    @exclusivity(unchecked) var timers = PendingTimers<ClientCore.Timer>()

    package nonisolated var unownedExecutor: UnownedSerialExecutor { env.executor }

    /// A client following `plan`; `spares`, when given, holds the action list it recycles, shared
    /// with the other nodes of its thread (a simulated run's).
    package init(env: any NodeEnvironment, plan: ClientPlan, spares: SharedActionSpares? = nil) {
        self.env = env
        core = makeClientCore(plan: plan, name: env.name, incarnation: env.incarnationID, random: { env.random() },
                              spare: spares?.client ?? ActionSpare())
    }

    /// Whether the push stream is open and accepted.
    package var isConnected: Bool { core.isConnected }
    /// The frontend holding the push stream.
    package var pushFrontend: NodeName? { core.pushFrontend }
    /// Whether the last request got a successful reply.
    package var lastRequestSucceeded: Bool { core.lastRequestOK }
    /// The login token in use (tests may spoil it).
    var token: String {
        get { core.token }
        set { core.token = newValue }
    }

    /// For a client: connected.
    package var isServing: Bool { core.isConnected }

    package func start() {
        perform(core.start(now: env.now))
    }

    package func shutdown() {
        perform(core.shutdown(now: env.now))
    }

    package func receive(_ inbound: Inbound<ClusterMessage>) {
        perform(core.receive(inbound, now: env.now))
    }

    package func timerFired(token: UInt64) {
        guard let timer = timers.take(token) else { return }
        perform(core.fire(timer, now: env.now))
    }

    /// Carries out the core's actions, in order.
    private func perform(_ actions: consuming [ClientCore.Action]) {
        // By index: the actions are read in place and the list goes back to the core with its
        // storage (`ActionList.recycle` empties it). Reversing the list to pop each action off its
        // end cost ~400 instructions a list (the actions are ~150-byte enums, moved three times
        // a swap).
        let list = consume actions
        for index in list.indices {
            switch list[index] {
            case .send(let message, let destination):
                lastMessageID = env.send(message, to: destination)
            case .sendOnStream(let message, let id):
                env.send(message, on: id)
            case .openStream(let frontend):
                let id = env.transport.openStream(to: frontend)
                perform(core.streamOpening(id, to: frontend, now: env.now))
            case .closeStream(let id):
                env.transport.closeStream(id)
            case .schedule(let timer, let delay):
                env.scheduleTimer(after: delay, on: self, token: timers.add(timer))
            case .log(let label, let detail):
                env.log(label, detail)
            case .logAttack(let kind, let service, let request, let token):
                var fields: [TraceDetail.Field] = [("kind", .text(kind)), ("id", .number(lastMessageID)),
                                                   ("service", .text(service))]
                if let request { fields.append(("req", .number(request))) }
                // A token attack records the claims it sent, decoded, for the reader of the trace.
                if let token { fields += ClientCore.claimFields(of: token) }
                env.log(NodeLog.attackSent, TraceDetail(fields: fields))
            case .unexpected(let message, let source):
                unexpected(message, from: source)
            }
        }
        core.recycle(list)
    }
}
