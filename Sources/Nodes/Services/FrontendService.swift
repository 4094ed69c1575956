import NetModel

/// A service every frontend serves: seed 000's request service (`MyService : MyServiceBase`,
/// marked `[Authorize]`, registered with `MapGrpcService<MyService>()`).
///
/// A service is a value with typed `Codable` messages. The frontend verifies the caller's token
/// before `handle` runs (unless `access` is `.anonymous`), and hands the handler a
/// `ServiceContext`: the verified user and their push frontend, a throwing "online user or refuse"
/// helper, pushes, the cluster's other nodes (called with the cluster's backend authentication),
/// the trace, and time and randomness from the node's environment. The same service runs on the
/// simulator and over TCP. Register it once, in a `ServiceRegistry`.
///
/// A handler may run more than once for one request: a client that gets no answer asks again
/// under the same request id, possibly at another frontend after a crash. Everything with an
/// effect goes through the context, whose calls carry the request's key and their position in
/// the handler, so the node that executes each of them executes it once and answers every copy
/// alike. Keep a handler's calls in an order that depends only on its request and their answers.
public protocol FrontendService: Sendable {
    /// What a client sends.
    associatedtype Request: ServiceMessage
    /// What the client gets back. `ClientResult` is answered as it is; any other type travels as
    /// `ClientResult.reply`.
    associatedtype Reply: ServiceMessage
    /// The service's name on the wire and in the trace (`"Inventory.Gift"`); unique in a registry.
    static var name: String { get }
    /// Who may call it (default `.signedIn`: a valid token is required).
    static var access: ServiceAccess { get }
    /// Whether a frontend that already answered a request answers a copy with the same reply
    /// without running the handler again (default false: the handler's effects are deduplicated
    /// where they are executed). Login uses it so a retried login returns the same token.
    static var remembersAnswers: Bool { get }
    /// Serves one request, on the frontend's own executor (`nonisolated(nonsending)`: it runs
    /// where its caller runs, so the handler and its context's calls take no executor hops).
    /// Declare implementations `nonisolated(nonsending)` too; one without it still works, but
    /// hops to the task's executor and back on every call.
    /// - Throws: a `Refusal` that the client receives as `ClientResult.refused`.
    nonisolated(nonsending) func handle(_ request: Request, context: ServiceContext) async throws(Refusal) -> Reply
}

extension FrontendService {
    public static var access: ServiceAccess { .signedIn }
    public static var remembersAnswers: Bool { false }
}

/// Who may call a service.
public enum ServiceAccess: Sendable, Equatable {
    /// Anyone (seed 000's Init service: State and Login).
    case anonymous
    /// A caller with a valid token (seed 000's `[Authorize]`); the handler knows the user.
    case signedIn
}

/// A frontend service the simulated clients can call: it makes a request from the run's seeded
/// randomness (`WorkloadDraw`), so an experiment can name it in `workload.services` with a rate.
public protocol SimulatedService: FrontendService {
    /// A request a simulated client sends (drawn from `draw`).
    static func workloadRequest(_ draw: inout WorkloadDraw) -> Request
}

/// What a simulated client knows when it makes a request for a `SimulatedService`: its own
/// user, the run's other users, and its seeded random stream.
public struct WorkloadDraw {
    /// The calling client's user.
    public let user: String
    let pickUser: () -> String
    let draw: () -> UInt64

    /// A draw for `user` that picks others with `pickUser` and random bits with `draw`.
    public init(user: String, pickUser: @escaping () -> String, draw: @escaping () -> UInt64) {
        self.user = user
        self.pickUser = pickUser
        self.draw = draw
    }

    /// Another user of the run (most likely online: one who started earlier).
    public mutating func otherUser() -> String { pickUser() }
    /// 64 random bits from the client's seeded stream.
    public mutating func random() -> UInt64 { draw() }
    /// A number in `0..<bound` (bound > 0).
    public mutating func random(below bound: Int) -> Int { Int(draw() % UInt64(max(1, bound))) }
}
