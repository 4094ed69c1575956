import NetModel

// How the simulator's loop calls a node without a hop (`ClusterNode.receiveOnSimulatorLoop`,
// `TokenTimerTarget.timerFiredOnSimulatorLoop`): the isolated method is reinterpreted as a plain
// function through a struct that holds it (as ClusterSim's `Actor+Simulator.swift` does), with
// the argument's type written out and the function a constant (no captures: no context, nothing
// allocated). A struct generic over the argument stores its function at the most general
// abstraction (the argument passed indirectly), and `withoutActuallyEscaping` wraps the function
// in a checking thunk: a first version went through one or the other on every call (about
// 10 ns a delivery at 30,000 clients).

extension ClusterNode {
    /// Receives from the simulator's loop, which has proved it holds the node's isolation (the
    /// network's `receiverCheck`): `receive` without a hop.
    package nonisolated func receiveOnSimulatorLoop(_ inbound: consuming Inbound<ClusterMessage>) {
        let body: (isolated Self, Inbound<ClusterMessage>) -> Void = { node, inbound in node.receive(inbound) }
        unsafeBitCast(IsolatedReceive(body: body), to: PlainReceive<Self>.self).body(self, inbound)
    }
}

extension TokenTimerTarget {
    /// `timerFired(token:)` from the simulator's loop, which has proved it holds the actor's
    /// isolation (its driver-thread check): without a hop, and without a closure per node.
    package nonisolated func timerFiredOnSimulatorLoop(token: UInt64) {
        let body: (isolated Self, UInt64) -> Void = { actor, token in actor.timerFired(token: token) }
        unsafeBitCast(IsolatedTimerCall(body: body), to: PlainTimerCall<Self>.self).body(self, token)
    }
}

/// A node's isolated `receive`, as stored.
private struct IsolatedReceive<A: Actor> { let body: (isolated A, Inbound<ClusterMessage>) -> Void }
/// The same function seen as a plain one (the same layout).
private struct PlainReceive<A: Actor> { let body: (A, Inbound<ClusterMessage>) -> Void }
/// A token target's isolated `timerFired(token:)`, as stored.
private struct IsolatedTimerCall<A: Actor> { let body: (isolated A, UInt64) -> Void }
/// The same function seen as a plain one (the same layout).
private struct PlainTimerCall<A: Actor> { let body: (A, UInt64) -> Void }
