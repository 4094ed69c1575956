import NetModel

/// Every service a cluster serves, registered in one place (seed 000's
/// `app.MapGrpcService<MyService>()`): the frontend services clients call, and the backend
/// services the session node hosts for them.
///
/// ```swift
/// var services = ServiceRegistry.standard
/// services.register(MyService(catalog: catalog))   // its shared resources, through its initializer
/// services.register(MyStore.self)                  // state it keeps in the cluster
/// ```
public struct ServiceRegistry: Sendable {
    private(set) var frontend: [String: FrontendServiceEntry] = [:]
    private(set) var backend: [String: BackendServiceEntry] = [:]

    /// No services at all.
    public init() {}

    /// The seven built-in services: State, Login, MessageUser, Broadcast, Kick, IsOnline and
    /// ChatCommand.
    public static let builtIn: ServiceRegistry = {
        var registry = ServiceRegistry()
        registry.register(StateService())
        registry.register(LoginService())
        registry.register(MessageService())
        registry.register(BroadcastService())
        registry.register(KickService())
        registry.register(IsOnlineService())
        registry.register(ChatService())
        return registry
    }()

    /// The built-in services and the sample inventory services: what `simctl` runs.
    public static let standard: ServiceRegistry = {
        var registry = builtIn
        registry.register(InventoryStore.self)
        registry.register(InventoryAddService())
        registry.register(InventoryListService())
        registry.register(InventoryGiftService())
        return registry
    }()

    /// Registers a frontend service (replacing one of the same name).
    public mutating func register<S: FrontendService>(_ service: S) {
        frontend[S.name] = FrontendServiceEntry(service)
    }

    /// Registers a backend service (replacing one of the same name).
    public mutating func register<B: BackendService>(_ type: B.Type) {
        backend[B.name] = BackendServiceEntry(type)
    }

    /// The names of the frontend services, sorted.
    public var frontendServices: [String] { frontend.keys.sorted() }
    /// The names of the backend services, sorted.
    public var backendServices: [String] { backend.keys.sorted() }

    /// Whether simulated clients can call the frontend service `name` (it is a `SimulatedService`).
    public func canSimulate(_ name: String) -> Bool { frontend[name]?.workloadRequest != nil }

    /// A request for the frontend service `name` drawn from `draw` (nil: no such simulated service).
    public func workloadCall(_ name: String, _ draw: inout WorkloadDraw) -> ServiceCall? {
        guard let make = frontend[name]?.workloadRequest else { return nil }
        return ServiceCall(service: name, payload: make(&draw))
    }
}

/// A service's handler bound to its decoded request.
enum PreparedHandler: Sendable {
    /// Any service: an async handler, run as a task on the frontend's executor.
    case task(FrontendServiceEntry.Handler)
    /// A one-call service: its steps (`OneCallService.step`) for the verified user, run by the
    /// frontend without a task.
    case oneCall(@Sendable (_ user: String, _ answer: ClientResult?) -> OneCallStep)
}

/// A frontend service, type-erased for the registry.
struct FrontendServiceEntry: Sendable {
    /// A handler bound to its decoded request.
    typealias Handler = nonisolated(nonsending) @Sendable (ServiceContext) async -> Result<ClientResult, Refusal>

    let access: ServiceAccess
    let remembersAnswers: Bool
    /// Decodes a payload into a ready handler, or why it cannot be served.
    let prepare: @Sendable (ServicePayload) -> Result<PreparedHandler, Refusal>
    /// Makes a simulated client's request (nil unless a `SimulatedService`).
    let workloadRequest: (@Sendable (inout WorkloadDraw) -> ServicePayload)?

    init<S: FrontendService>(_ service: S) {
        access = S.access
        remembersAnswers = S.remembersAnswers
        if let oneCall = service as? any OneCallService {
            prepare = Self.preparer(oneCall)
        } else {
            prepare = { payload in
                let request: S.Request
                do { request = try payload.decode(as: S.Request.self) } catch { return .failure(.badRequest("\(error)")) }
                return .success(.task({ context in
                    do throws(Refusal) {
                        let reply = try await service.handle(request, context: context)
                        return .success(reply as? ClientResult ?? .reply(ServicePayload(reply)))
                    } catch {
                        return .failure(error)
                    }
                }))
            }
        }
        if let simulated = S.self as? any SimulatedService.Type {
            workloadRequest = Self.maker(simulated)
        } else {
            workloadRequest = nil
        }
    }

    /// The preparer of a one-call service: its steps bound to the decoded request.
    private static func preparer<O: OneCallService>(_ service: O) -> @Sendable (ServicePayload) -> Result<PreparedHandler, Refusal> {
        { payload in
            let request: O.Request
            do { request = try payload.decode(as: O.Request.self) } catch { return .failure(.badRequest("\(error)")) }
            return .success(.oneCall({ user, answer in service.step(request, user: user, answer: answer) }))
        }
    }

    private static func maker<T: SimulatedService>(_ type: T.Type) -> @Sendable (inout WorkloadDraw) -> ServicePayload {
        { draw in ServicePayload(T.workloadRequest(&draw)) }
    }
}

/// A backend service's state, type-erased for the session node.
struct BackendServiceEntry: Sendable {
    /// A fresh state.
    let makeState: @Sendable () -> any BackendServiceState

    init<B: BackendService>(_ type: B.Type) {
        makeState = { BackendStateBox<B>(state: B()) }
    }
}

/// The session node's handle on one backend service's state.
protocol BackendServiceState {
    /// Executes one request.
    mutating func execute(_ payload: ServicePayload, user: String) -> ClientResult
}

/// The state of backend service `B`.
struct BackendStateBox<B: BackendService>: BackendServiceState {
    var state: B

    mutating func execute(_ payload: ServicePayload, user: String) -> ClientResult {
        let request: B.Request
        do { request = try payload.decode(as: B.Request.self) } catch { return .refused(.badRequest("\(error)")) }
        do { return .reply(ServicePayload(try state.execute(request, user: user))) } catch { return .refused(error) }
    }
}
