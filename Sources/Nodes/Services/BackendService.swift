import NetModel

/// State a frontend service keeps in the cluster: a value-type state machine that the session
/// node (the cluster's stateful backend) hosts and executes each request of at most once, in the
/// order they arrive — the executor side of exactly-once execution, as the push outbox is for
/// pushes. A frontend service reaches it with `ServiceContext.call(_:_:)`.
///
/// The state lives in the session node's memory: like the session map, it is gone when the
/// session node crashes (a real deployment keeps it in a database behind the same interface).
public protocol BackendService: Sendable {
    /// What a frontend service asks.
    associatedtype Request: ServiceMessage
    /// The answer.
    associatedtype Reply: ServiceMessage
    /// The name on the wire and in the trace; unique among a registry's backend services.
    static var name: String { get }
    /// The empty state a starting session node begins with.
    init()
    /// Executes one request of `user` (the caller's verified user).
    /// - Throws: a `Refusal` the calling handler receives.
    mutating func execute(_ request: Request, user: String) throws(Refusal) -> Reply
}
