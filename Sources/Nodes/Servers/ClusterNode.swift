import NetModel

/// What every node actor offers its runtime: start, take inbound traffic, stop cleanly.
///
/// A node is also the `SimReceiver` of its simulated traffic: the simulated network calls it
/// without a handler closure (`receiveOnSimulatorLoop`, in SimulatorLoopCalls.swift).
package protocol ClusterNode: Actor, SimReceiver where Payload == ClusterMessage {
    /// The node's environment.
    nonisolated var env: any NodeEnvironment { get }
    /// Starts the node (register, open streams, schedule timers).
    func start()
    /// Handles one inbound message or stream event, to completion.
    func receive(_ inbound: Inbound<ClusterMessage>)
    /// A clean shutdown: unregister and close streams.
    func shutdown()
    /// Whether the node serves now (registered and not fenced; for a client: connected).
    var isServing: Bool { get }
}

extension ClusterNode {
    /// Sends a backend call carrying the cluster's group id.
    func backend(_ call: BackendCall, to node: NodeName) {
        env.send(.backend(group: env.groupID, call), to: node)
    }

    /// Checks a backend call's group id: logs and refuses a wrong one (the handler is not run).
    /// - Returns: whether the handler may run.
    func admits(_ group: String, _ call: BackendCall, from source: NodeName) -> Bool {
        guard group == env.groupID else {
            env.log(NodeLog.backendRejected, ["call": .text(call.traceLabel), "from": .name(source), "group": .text(group)])
            return false
        }
        if source.role == .client {
            // Calls between servers are the normal path and are not logged one by one; a call
            // from outside the server set that passed the group check is worth a record.
            env.log(NodeLog.backendExecuted, ["call": .text(call.traceLabel), "from": .name(source)])
        }
        return true
    }

    /// Records a message the node did not expect.
    func unexpected(_ message: ClusterMessage, from source: NodeName) {
        env.log(NodeLog.unexpected, ["from": .name(source), "what": .text(message.traceLabel)])
    }

    /// The node's clock in whole seconds (token times).
    var nowSeconds: Int64 { env.tokenSeconds }
}
