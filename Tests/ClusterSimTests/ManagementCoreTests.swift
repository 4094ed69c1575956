import NetModel
@testable import Nodes
import Testing

private let fe1 = NodeName(.frontend, 1)
private let fe2 = NodeName(.frontend, 2)
private let session = NodeName(.session, 1)
private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

/// A started manager (1 s pings, 3 s timeout) with `nodes` registered at `registeredAt` ms.
private func makeStartedCore(_ nodes: [NodeName] = [], registeredAt: Int64 = 0) -> ManagementCore {
    var core = makeManagementCore()
    _ = core.start(now: at(0))
    for node in nodes { _ = core.receive(.register(address: node.description, version: "1.0", incarnation: 1), from: node, now: at(registeredAt)) }
    return core
}

/// The actions' sends, as (message, destination).
private func sends(_ actions: [ManagementCore.Action]) -> [(ClusterMessage, NodeName)] {
    actions.compactMap { if case .send(let m, let to) = $0 { (m, to) } else { nil } }
}

/// The labels of the actions' trace records.
private func labels(_ actions: [ManagementCore.Action]) -> [String] {
    actions.compactMap { if case .log(let label, _) = $0 { label } else { nil } }
}

@Suite("ManagementCore: registration, pings, removal at the deadline, pause forgiveness")
struct ManagementCoreTests {
    @Test("start registers the manager itself, arms no timer while nobody else is registered, and only once")
    func start() {
        var core = makeManagementCore()
        #expect(core.start(now: at(0)) == [.log(NodeLog.registered, ["epoch": .number(1)])])
        #expect(core.started)
        #expect(core.registeredNodes == [.management])
        #expect(core.start(now: at(5)).isEmpty)
    }

    @Test("a registration is accepted with its epoch and config, the others are told, the deadline timer is armed pingTimeout later")
    func registration() {
        var core = makeStartedCore([fe1], registeredAt: 100)
        let actions = core.receive(.register(address: "fe2", version: "1.0", incarnation: 1), from: fe2, now: at(400))
        #expect(actions == [
            .log(NodeLog.nodeJoined, ["name": .name(fe2), "epoch": .number(1)]),
            .send(.registerAccepted(epoch: 1, config: core.registry.currentConfig), to: fe2),
            .send(.notice(.joined(fe2, epoch: 1)), to: fe1),
        ])
        // The first deadline (frontend-1's, at 3.1 s) was armed by its registration and does not move.
        #expect(core.armedDeadline == at(3_100))
        #expect(core.registeredNodes == [.management, fe1, fe2])
    }

    @Test("a wrong version is refused, nothing is armed; a ping moves the deadline (cancel, then schedule)")
    func refusedAndPing() {
        var core = makeStartedCore()
        let refused = core.receive(.register(address: "fe1", version: "0.9", incarnation: 1), from: fe1, now: at(10))
        #expect(sends(refused).map(\.1) == [fe1])
        #expect(refused.allSatisfy { if case .schedule = $0 { false } else { true } })
        _ = core.receive(.register(address: "fe1", version: "1.0", incarnation: 1), from: fe1, now: at(0))
        let pinged = core.receive(.ping(epoch: 1), from: fe1, now: at(1_000))
        #expect(pinged == [.send(.pong(known: true, config: core.registry.currentConfig), to: fe1),
                           .cancel(.pingDeadline), .schedule(.pingDeadline, after: .seconds(3))])
        #expect(core.armedDeadline == at(4_000))
        // An unknown epoch is answered "unknown" and moves nothing.
        #expect(core.receive(.ping(epoch: 7), from: fe1, now: at(1_500)) == [.send(.pong(known: false, config: nil), to: fe1)])
    }

    @Test("the deadline timer removes the silent node at its deadline exactly, tells the others, fences it, re-arms for the next")
    func removalAtDeadline() {
        var core = makeStartedCore([fe1, fe2])
        _ = core.receive(.ping(epoch: 1), from: fe2, now: at(2_000))   // frontend-2 is due at 5 s
        #expect(core.armedDeadline == at(3_000))
        let fired = core.fire(.pingDeadline, now: at(3_000))
        #expect(fired == [
            .log(NodeLog.nodeRemoved, ["name": .name(fe1), "epoch": .number(1), "reason": .text("pingTimeout"),
                                       "last-heard-ns": .signed(0)]),
            .send(.notice(.left(fe1, epoch: 1)), to: fe2),
            .send(.stop(epoch: 1), to: fe1),
            .schedule(.pingDeadline, after: .seconds(2)),
        ])
        #expect(core.registeredNodes == [.management, fe2])
        // The last node removed: nothing left to wait for, nothing armed.
        let last = core.fire(.pingDeadline, now: at(5_000))
        #expect(labels(last) == [NodeLog.nodeRemoved])
        #expect(core.armedDeadline == nil)
        #expect(core.registeredNodes == [.management])
    }

    @Test("a clean unregister removes at once and disarms the deadline when nobody is left")
    func unregister() {
        var core = makeStartedCore([fe1])
        let actions = core.receive(.unregister(epoch: 1), from: fe1, now: at(500))
        #expect(labels(actions) == [NodeLog.nodeRemoved])
        #expect(actions.last == .cancel(.pingDeadline))
        #expect(core.armedDeadline == nil)
    }

    @Test("a paused manager: the deadline timer fires late, the silence since it last ran is forgiven, nobody is removed")
    func pauseForgivenOnLateTimer() {
        var core = makeStartedCore([fe1, session])
        _ = core.receive(.ping(epoch: 1), from: fe1, now: at(900))
        _ = core.receive(.ping(epoch: 1), from: session, now: at(1_000))   // last run: 1 s; deadline 3.9 s
        // Paused from 1.1 s to 6 s: the 3.9 s timer fires at 6 s.
        let fired = core.fire(.pingDeadline, now: at(6_000))
        #expect(labels(fired) == [NodeLog.managerWoke])
        #expect(fired.first == .log(NodeLog.managerWoke, ["asleep-ms": .text("5000.0")]))
        #expect(core.registeredNodes == [.management, session, fe1])
        // frontend-1's clock moved by the 5 s asleep: due at 8.9 s.
        #expect(core.armedDeadline == at(8_900))
    }

    @Test("a paused manager: a ping held during the pause arrives before the late timer and is forgiven, not answered unknown")
    func pauseForgivenOnHeldPing() {
        var core = makeStartedCore([fe1])
        _ = core.receive(.ping(epoch: 1), from: fe1, now: at(1_000))   // deadline 4 s
        let held = core.receive(.ping(epoch: 1), from: fe1, now: at(6_000))
        #expect(labels(held) == [NodeLog.managerWoke])
        #expect(sends(held).map(\.0) == [.pong(known: true, config: core.registry.currentConfig)])
        #expect(core.armedDeadline == at(9_000))
    }

    @Test("no pause: an idle manager (nobody pinging, deadline not passed) forgives nothing, and a timer on time is no pause")
    func idleIsNoPause() {
        var core = makeStartedCore([fe1])
        // Silent for 2.9 s, well beyond a ping interval, but the deadline (3 s) has not passed.
        let late = core.receive(.register(address: "fe2", version: "1.0", incarnation: 1), from: fe2, now: at(2_900))
        #expect(!labels(late).contains(NodeLog.managerWoke))
        let onTime = core.fire(.pingDeadline, now: at(3_000))
        #expect(labels(onTime) == [NodeLog.nodeRemoved])
        #expect(core.registeredNodes == [.management, fe2])
    }
}
