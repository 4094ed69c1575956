import NetModel

/// `simctl explain FLOW`: a small built-in experiment per flow, run on the simulator, and the
/// flow's first occurrence in its trace drawn as a sequence diagram, with a short text naming the
/// types and files involved. The diagram comes from the run, never from hand-written text.
package struct FlowExplanation: Sendable {
    /// The flow.
    package let flow: FlowKind
    /// The experiment that was run.
    package let experiment: Experiment
    /// The diagram of the flow's first occurrence in the run.
    package let diagram: SequenceDiagram
    /// The run's trace hash (the diagram is reproducible from it).
    package let traceHash: String

    /// Runs the flow's built-in experiment and finds the flow in its trace.
    /// - Returns: the explanation, or throws ``FlowNotFound`` when the run did not show the flow
    ///   (a bug in the experiment or the finder: the experiments are chosen so that it does).
    package static func run(_ flow: FlowKind) throws(FlowNotFound) -> FlowExplanation {
        let experiment = builtInExperiment(flow)
        let run = ClusterRun(experiment: experiment, retention: .everything)
        run.run()
        guard let diagram = FlowCatalog(run.simulator.trace.events).diagram(flow) else {
            throw FlowNotFound(flow: flow, experiment: experiment.name)
        }
        return FlowExplanation(flow: flow, experiment: experiment, diagram: diagram, traceHash: run.simulator.trace.hash)
    }

    /// What the newcomer reads next to the diagram: the steps and where they live in the code.
    package var text: String { Self.explanation(flow) }

    /// The whole explanation for a terminal: title, text, plain-text diagram, Mermaid text.
    package var rendered: String {
        var out = "\(flow.rawValue): \(flow.title)\n\n"
        out += text + "\n"
        out += "Built-in experiment '\(experiment.name)' (seed \(experiment.seed), trace \(traceHash)): "
            + experiment.description + "\n\n"
        out += diagram.plainText + "\n"
        out += "Mermaid:\n\n" + diagram.mermaid
        return out
    }
}

/// The built-in experiment of a flow ran but the flow was not found in its trace.
package struct FlowNotFound: Error, CustomStringConvertible {
    /// The flow looked for.
    package let flow: FlowKind
    /// The experiment that ran.
    package let experiment: String
    /// What went wrong.
    package var description: String {
        "the built-in experiment '\(experiment)' did not show the flow '\(flow.rawValue)'; its trace has no such sequence"
    }
}

extension FlowExplanation {
    /// The small experiment each flow is explained with: a few nodes and clients, a few seconds.
    /// - Returns: a valid experiment whose run shows the flow.
    package static func builtInExperiment(_ flow: FlowKind) -> Experiment {
        let frontends: Int
        var workload = Workload(clients: 2, rampUp: .milliseconds(200))
        var gateway = false, chat = false
        var faults: [Fault] = []
        var timing = Timing()
        var duration = Duration.seconds(3)
        let description: String
        switch flow {
        case .registration:
            frontends = 1
            workload = Workload()
            description = "management, session and one frontend start, register and ping"
        case .login, .pushStream:
            frontends = 1
            workload.clients = 1
            description = "one frontend, one client that logs in and opens its push stream"
        case .push:
            frontends = 1
            workload.pushRate = Rate(perSecond: 2)
            description = "one frontend, two clients that message each other"
        case .pushRouting:
            frontends = 2
            workload.clients = 4
            workload.pushRate = Rate(perSecond: 2)
            description = "two frontends, four clients that message each other"
        case .failover:
            frontends = 2
            workload = Workload(clients: 2, rampUp: .milliseconds(200), pushRate: Rate(perSecond: 1))
            faults = [Fault(at: .seconds(2), action: .crash(NodeName(.frontend, 2), restartAfter: nil))]
            duration = .seconds(8)
            description = "two frontends, two clients; frontend-2 crashes at 2s"
        case .duplicateLogin:
            frontends = 2
            workload.clients = 1
            workload.duplicateLogins = 1
            duration = .seconds(4)
            description = "two frontends, one client that logs in again from a second device"
        case .backendAuth:
            frontends = 1
            workload.attacks = Attacks(clients: 1, rate: Rate(perSecond: 4))
            timing.tokenLifetime = .seconds(1)
            description = "one frontend, two clients, the second of which attacks"
        case .gateway:
            frontends = 2
            gateway = true
            workload.clients = 1
            description = "a gateway in front of two frontends, one client"
        case .chat, .chatJoin:
            frontends = 2
            chat = true
            workload = Workload(clients: 3, rampUp: .milliseconds(300),
                                chat: ChatWorkload(rooms: 1, membersPerRoom: 3, messageRate: Rate(perSecond: 1)))
            description = "a chat node, two frontends, three clients in one room"
        case .sessionRestart:
            frontends = 2
            workload.pushRate = Rate(perSecond: 1)
            faults = [Fault(at: .seconds(2), action: .crash(NodeName(.session, 1), restartAfter: .milliseconds(500)))]
            duration = .seconds(4)
            description = "two frontends, two clients that message each other; session-1 crashes at 2s, back 500ms later"
        case .managementRestart:
            frontends = 1
            workload.clients = 1
            faults = [Fault(at: .seconds(2), action: .crash(NodeName(.management, 1), restartAfter: .milliseconds(500)))]
            duration = .seconds(4)
            description = "one frontend, one client; management-1 crashes at 2s, back 500ms later"
        case .removalFencing:
            frontends = 2
            faults = [Fault(at: .seconds(2), action: .pause(NodeName(.frontend, 2), resumeAfter: .seconds(4)))]
            duration = .seconds(8)
            description = "two frontends, two clients; frontend-2 is paused from 2s to 6s (longer than pingTimeout)"
        case .partition:
            frontends = 2
            workload.pushRate = Rate(perSecond: 1)
            faults = [Fault(at: .seconds(2), action: .partition(groups: [[NodeName(.frontend, 1)], [NodeName(.session, 1), NodeName(.management, 1)]],
                                                                 oneWay: false, heal: .seconds(4)))]
            duration = .seconds(8)
            description = "two frontends, two clients; frontend-1 is cut off from session-1 and management-1 from 2s to 6s"
        case .tokenRefusal:
            frontends = 1
            workload.attacks = Attacks(clients: 1, rate: Rate(perSecond: 4))
            timing.tokenLifetime = .seconds(1)
            duration = .seconds(10)
            description = "one frontend, two clients, the second of which attacks; tokens live 1s"
        }
        return Experiment(name: "explain-\(flow.rawValue)", description: description, seed: 1, duration: duration,
                          settle: .seconds(1), cluster: ClusterShape(frontends: frontends, gateway: gateway, chat: chat),
                          timing: timing, workload: workload, faults: faults)
    }
}
