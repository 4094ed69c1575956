/// A node that receives its simulated traffic itself, without a handler closure: the network
/// calls it through its type's witness table.
///
/// Why not the closure of `SimNetwork.attach(_:handler:)`: a closure that calls a node's actor
/// holds it in a context object of its own (two, counting the one that checks isolation), one
/// per node, and every delivery loaded them. With 100,000 simulated clients those contexts were
/// cold cache lines on every delivery; the node itself is loaded anyway.
public protocol SimReceiver<Payload>: AnyObject {
    /// What the node receives.
    associatedtype Payload: NetworkPayload
    /// Handles one arrival. The network calls it only from the simulator's loop, after its
    /// `receiverCheck` (which proves that the calling thread holds the nodes' isolation).
    func receiveOnSimulatorLoop(_ inbound: consuming Inbound<Payload>)
}

extension Actor {
    /// Runs `body` with `argument`, isolated to this actor, without a hop and without a check:
    /// only for callers that have proved they hold the actor's isolation (the simulator's loop,
    /// after its driver-thread check).
    ///
    /// The isolated function is reinterpreted as a plain one through a struct that holds it (a
    /// function value cast directly goes through its most general representation: a thunk
    /// allocated per call). The two structs have the same layout: one function whose first
    /// parameter is the actor.
    @inlinable @inline(__always)
    package nonisolated func callWithoutHop<Argument>(_ argument: Argument,
                                                      _ body: (isolated Self, Argument) -> Void) {
        withoutActuallyEscaping(body) { (fn: @escaping (isolated Self, Argument) -> Void) in
            unsafeBitCast(IsolatedArgumentCall(body: fn), to: PlainArgumentCall<Self, Argument>.self).body(self, argument)
        }
    }
}

/// An isolated function of an actor and one argument, as stored.
@usableFromInline
struct IsolatedArgumentCall<A: Actor, Argument> {
    @usableFromInline let body: (isolated A, Argument) -> Void
    @inlinable init(body: @escaping (isolated A, Argument) -> Void) { self.body = body }
}

/// The same function seen as a plain one.
@usableFromInline
struct PlainArgumentCall<A: Actor, Argument> {
    @usableFromInline let body: (A, Argument) -> Void
}
