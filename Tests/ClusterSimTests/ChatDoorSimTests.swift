import NetModel
import Nodes
import Synchronization
import Testing
@testable import ClusterSim

/// What the doors of a simulated run handed to their (absent) chat servers, in order.
private final class DoorEffects: Sendable {
    private let list = Mutex<[(door: Int, effect: ChatEffect)]>([])
    func add(_ door: Int, _ effects: [ChatEffect]) { list.withLock { $0 += effects.map { (door, $0) } } }
    /// The effects door `door` got for member `member`, in order.
    func of(_ door: Int, _ member: ChatMemberID) -> [ChatEffect] {
        list.withLock { $0.filter { $0.door == door && $0.effect.recipient == member }.map(\.effect) }
    }
}

/// Chat doors on the simulator, next to an experiment's cluster (management, session, chat):
/// the chat node's `connect`/`disconnect` and its removal handling, deterministically.
struct ChatDoorSimTests {
    /// A run with two doors: alice (door 1) makes a room, bob (door 2) joins and speaks, carol
    /// (door 1) joins and disconnects, then door 2 crashes at 6 s and management removes it.
    private func doorRun(crashDoorTwo: Bool = true) throws -> (ClusterRun, DoorEffects, RunOutcome) {
        let (run, effects, at) = try makeRun(duration: "12s")
        at(2.0, 1) { $0.open("1", name: "alice") }
        at(2.0, 2) { $0.open("1", name: "bob") }
        at(2.1, 1) { $0.handle(.createRoom(title: "lobby"), from: "1") }
        at(2.5, 2) { $0.handle(.joinRoom(1), from: "1") }
        at(3.0, 2) { $0.handle(.chat("hi"), from: "1") }
        at(3.5, 1) { $0.open("2", name: "carol") }
        at(3.6, 1) { $0.handle(.joinRoom(1), from: "2") }
        at(4.0, 1) { $0.close("2") }
        if crashDoorTwo {
            run.simulator.schedule(at: VirtualInstant.zero.advanced(by: .seconds(6))) { run.crash(NodeName(.chatDoor, 2)) }
        }
        let outcome = run.run()
        return (run, effects, outcome)
    }

    /// A run of an experiment with a chat node and no clients, two doors attached, and a way to
    /// schedule a door's calls at an instant (seconds).
    private func makeRun(duration: String, faults: String = "[]") throws
        -> (ClusterRun, DoorEffects, (Double, Int, @escaping @Sendable (isolated ChatDoorNode) -> Void) -> Void)
    {
        let json = experiment(frontends: 1, clients: 0, duration: duration, settle: "2s", extra: #", "chat": true"#,
                              faults: faults, workload: #""requestRate": "0/s", "pushRate": "0/s""#)
        let run = ClusterRun(experiment: try Experiment.parse(json), seed: 5, retention: .everything)
        let effects = DoorEffects()
        let doors = [1, 2].map { index in attachDoor(run, index) { effects.add(index, $0) } }
        let executor = run.simulator.executor
        let at = { (seconds: Double, door: Int, body: @escaping @Sendable (isolated ChatDoorNode) -> Void) in
            run.simulator.schedule(at: VirtualInstant.zero.advanced(by: .seconds(seconds))) {
                doors[door - 1].withSimulatorIsolation(executor) { body($0) }
            }
        }
        return (run, effects, at)
    }

    /// Attaches a chat door to `run`'s network the way the runner attaches its nodes.
    private func attachDoor(_ run: ClusterRun, _ index: Int, sink: @escaping @Sendable ([ChatEffect]) -> Void) -> ChatDoorNode {
        let name = NodeName(.chatDoor, index)
        let env = SimNodeEnvironment(name: name, simulator: run.simulator, incarnation: 1,
                                     liveness: run.liveness)
        run.environments[name] = env
        let door = ChatDoorNode(env: env, sink: sink)
        env.simHandle = run.network.attach(name, receiver: door)
        run.nodes[name] = door
        run.simulator.schedule(at: .zero) { door.withSimulatorIsolation(run.simulator.executor) { $0.start() } }
        return door
    }

    @Test("Members of two doors share a room; a disconnect and a removed door give the leave notices")
    func sharedRoomAndRemoval() throws {
        let (run, effects, outcome) = try doorRun()
        #expect(outcome.foreignJobs.count == 0)
        #expect(effects.of(1, "1") == [
            .system(to: "1", text: "방제[lobby] 방에 입장했습니다."),
            .system(to: "1", text: "[bob] 님이 입장했습니다."),
            .chat(to: "1", from: "bob", text: "hi"),
            .system(to: "1", text: "[carol] 님이 입장했습니다."),
            .system(to: "1", text: "[carol] 님이 퇴장했습니다."),
            .system(to: "1", text: "[bob] 님이 퇴장했습니다."),
        ])
        #expect(effects.of(2, "1") == [
            .system(to: "1", text: "방제[lobby] 방에 입장했습니다."),
            .system(to: "1", text: "[carol] 님이 입장했습니다."),
            .system(to: "1", text: "[carol] 님이 퇴장했습니다."),
        ])
        let dropped = run.logs(NodeLog.chatMembersDropped, at: NodeName(.chat, 1))
        #expect(dropped.map(\.detail) == ["node=chat-door-2 members=1"])
        let removed = run.logs(NodeLog.nodeRemoved, at: .management).compactMap { run.field("name", $0) }
        #expect(removed == ["chat-door-2"])
        let sessionDrop = run.logs(NodeLog.sessionDropFrontend, at: .session).map(\.detail)
        #expect(sessionDrop == ["frontend=chat-door-2 users=1"])
    }

    @Test("Without the crash nobody leaves; the same seed gives the same trace")
    func deterministic() throws {
        let (first, effects, _) = try doorRun(crashDoorTwo: false)
        #expect(effects.of(1, "1").last == .system(to: "1", text: "[carol] 님이 퇴장했습니다."))
        #expect(first.logs(NodeLog.chatMembersDropped).isEmpty)
        let (second, _, _) = try doorRun(crashDoorTwo: false)
        #expect(first.simulator.trace.hash == second.simulator.trace.hash)
        #expect(first.simulator.trace.events.count == second.simulator.trace.events.count)
    }

    @Test("A restarted chat node gets the doors' members again (default names); a restarted session node gets them back by re-sync")
    func chatAndSessionRestart() throws {
        let faults = #"[{"at": "4s", "crash": "chat-1", "restartAfter": "1s"}, {"at": "9s", "crash": "session-1", "restartAfter": "1s"}]"#
        let (run, effects, at) = try makeRun(duration: "20s", faults: faults)
        at(2.0, 1) { $0.open("1", name: "alice") }
        at(2.0, 2) { $0.open("1", name: "bob") }
        at(2.1, 1) { $0.handle(.createRoom(title: "lobby"), from: "1") }
        at(2.5, 2) { $0.handle(.joinRoom(1), from: "1") }
        at(7.0, 1) { $0.handle(.rooms, from: "1") }                       // the new chat node has no rooms
        at(7.5, 1) { $0.handle(.createRoom(title: "again"), from: "1") }
        at(8.0, 2) { $0.handle(.leaveRoom, from: "1") }                   // bob is in no room now
        at(8.2, 2) { $0.handle(.joinRoom(1), from: "1") }
        at(17.0, 1) { $0.handle(.chat("after"), from: "1") }             // after the session restart
        let outcome = run.run()
        #expect(outcome.foreignJobs.count == 0)
        #expect(effects.of(1, "1") == [
            .system(to: "1", text: "방제[lobby] 방에 입장했습니다."),
            .system(to: "1", text: "[bob] 님이 입장했습니다."),
            .system(to: "1", text: ChatText.restarted),   // the restarted chat node says it lost its rooms
            .rooms(to: "1", []),
            .system(to: "1", text: "방제[again] 방에 입장했습니다."),
            .system(to: "1", text: "[bob] 님이 입장했습니다."),
        ])
        #expect(effects.of(2, "1") == [
            .system(to: "1", text: "방제[lobby] 방에 입장했습니다."),
            .system(to: "1", text: ChatText.restarted),
            .system(to: "1", text: "현재 대화방에 들어가 있지 않습니다."),
            .system(to: "1", text: "방제[again] 방에 입장했습니다."),
            .chat(to: "1", from: "alice", text: "after"),
        ])
        let resyncs = run.logs(NodeLog.sessionResync, at: .session).filter { $0.detail.contains("chat-door") }
        #expect(resyncs.contains { $0.at > VirtualInstant.zero.advanced(by: .seconds(10)) && $0.detail.hasSuffix("streams=1") })
    }
}
