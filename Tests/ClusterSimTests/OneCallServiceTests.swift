import Foundation
import NetModel
import Nodes
import Testing
import ClusterSim

/// The built-in services but Login run without a task (`OneCallService`); the same services
/// written as ordinary async handlers must leave the very same trace, faults and all.
@Suite("One-call services: the task-free path leaves the trace an async handler leaves")
struct OneCallServiceTests {
    /// The built-ins written the way a user writes a service: async handlers through the context.
    struct AsyncState: FrontendService {
        static let name = StateService.name
        static var access: ServiceAccess { .anonymous }
        static var remembersAnswers: Bool { true }
        nonisolated(nonsending) func handle(_ request: StateRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
            .flag(true)
        }
    }
    struct AsyncMessage: FrontendService {
        static let name = MessageService.name
        nonisolated(nonsending) func handle(_ request: MessageRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
            .accepted(pushID: try await context.push(request.text, to: [request.to]))
        }
    }
    struct AsyncBroadcast: FrontendService {
        static let name = BroadcastService.name
        nonisolated(nonsending) func handle(_ request: BroadcastRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
            .accepted(pushID: try await context.broadcast(request.text))
        }
    }
    struct AsyncKick: FrontendService {
        static let name = KickService.name
        nonisolated(nonsending) func handle(_ request: KickRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
            try await context.kick(request.user)
            return .ok
        }
    }
    struct AsyncIsOnline: FrontendService {
        static let name = IsOnlineService.name
        nonisolated(nonsending) func handle(_ request: IsOnlineRequest, context: ServiceContext) async throws(Refusal) -> ClientResult {
            .flag(try await context.isOnline(request.user))
        }
    }
    struct AsyncChat: FrontendService {
        static let name = ChatService.name
        nonisolated(nonsending) func handle(_ request: ChatCommand, context: ServiceContext) async throws(Refusal) -> ClientResult {
            try await context.chat(request)
        }
    }

    /// The standard registry with every one-call built-in replaced by its async twin.
    static var asyncRegistry: ServiceRegistry {
        var services = ServiceRegistry.standard
        services.register(AsyncState())
        services.register(AsyncMessage())
        services.register(AsyncBroadcast())
        services.register(AsyncKick())
        services.register(AsyncIsOnline())
        services.register(AsyncChat())
        return services
    }

    @Test("same trace hash as async handlers", arguments: [
        "05-session-restart.json", "07-partition-frontend-backend.json", "12-duplication-and-loss.json",
        "13-chat-restart.json", "14-inventory-service.json",
    ])
    func sameTrace(_ file: String) throws {
        let text = try String(contentsOf: experimentsDirectory.appendingPathComponent(file), encoding: .utf8)
        let oneCall = try SimulatedRun(json: text)
        let async = try SimulatedRun(json: text, services: Self.asyncRegistry)
        #expect(oneCall.passed, "\(oneCall.failures)")
        #expect(oneCall.traceHash == async.traceHash, "\(file): the one-call path changed the trace")
        #expect(oneCall.events.count == async.events.count)
    }
}
