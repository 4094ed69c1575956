import NetModel
import Nodes
import Testing

private let manager = NodeName.management
private let session = NodeName.session
private let fe1 = NodeName(.frontend, 1)
private let fe2 = NodeName(.frontend, 2)
private let fe3 = NodeName(.frontend, 3)
private let chat = NodeName(.chat, 1)
private let gateway = NodeName(.gateway, 1)

/// Milliseconds since the start of the run.
private func ms(_ value: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: value * 1_000_000) }

private func address(of name: NodeName) -> String { "10.0.0.\(name.role.order * 10 + name.index):5000" }

/// A registry of version "1.0" with a 3 s ping timeout; the manager registered itself at 0 when
/// `managerReady`, then each of `nodes` registered at 0 in order with `address(of:)`.
private func makeRegistry(version: String = "1.0", pingTimeout: Duration = .seconds(3),
                          managerReady: Bool = true, nodes: [NodeName] = []) -> Registry {
    var registry = Registry(expectedVersion: version, pingTimeout: pingTimeout)
    if managerReady {
        _ = registry.registerSelf(address: address(of: manager), now: .zero)
    }
    for node in nodes {
        _ = registry.register(name: node, address: address(of: node), version: version, now: .zero)
    }
    return registry
}

extension RegistrationDecision {
    fileprivate var acceptedEpoch: UInt64? {
        if case .accepted(let epoch, _, _) = self { epoch } else { nil }
    }
    fileprivate var acceptedConfig: NodeConfig? {
        if case .accepted(_, let config, _) = self { config } else { nil }
    }
    fileprivate var acceptedEffects: [RegistryEffect]? {
        if case .accepted(_, _, let effects) = self { effects } else { nil }
    }
}

@Suite("Registry: registration rules")
struct RegistryRegistrationTests {
    @Test("every node but the manager is refused until the manager registered itself",
          arguments: [session, fe1, chat, gateway])
    func managerFirst(node: NodeName) {
        var registry = makeRegistry(managerReady: false)
        #expect(!registry.isReady)
        #expect(registry.register(name: node, address: address(of: node), version: "1.0", now: .zero)
            == .rejected(.managerNotReady))
        #expect(registry.liveNodes.isEmpty)

        #expect(registry.registerSelf(address: address(of: manager), now: ms(5)).acceptedEpoch == 1)
        #expect(registry.isReady)
        #expect(registry.register(name: node, address: address(of: node), version: "1.0", now: ms(6))
            .acceptedEpoch == 1)
        #expect(registry.liveNodes == [manager, node])
    }

    @Test("the same process asking again is repeated its epoch; a new process, or one that gives no incarnation, gets a new one")
    func repeatedRegistration() {
        var registry = makeRegistry(nodes: [fe2])
        let first = registry.register(name: fe1, address: address(of: fe1), version: "1.0", incarnation: 7, now: ms(10))
        #expect(first.acceptedEpoch == 1)
        let before = registry
        #expect(registry.register(name: fe1, address: address(of: fe1), version: "1.0", incarnation: 7, now: ms(20))
            == .repeated(epoch: 1, config: registry.currentConfig),
                "a duplicated register minted a new epoch and removed the one the node had taken")
        #expect(registry.entries == before.entries, "a repeated registration changed the registry")
        let restarted = registry.register(name: fe1, address: address(of: fe1), version: "1.0", incarnation: 8, now: ms(30))
        #expect(restarted.acceptedEpoch == 2)
        #expect(restarted.acceptedEffects?.contains { if case .removed(fe1, 1, .reregistered, _, _) = $0 { true } else { false } } == true)
        #expect(registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(40)).acceptedEpoch == 3)
    }

    @Test("the manager may register through register(name:) as well, before anyone else")
    func managerThroughRegister() {
        var registry = makeRegistry(managerReady: false)
        let decision = registry.register(name: manager, address: "m:1", version: "1.0", now: .zero)
        #expect(decision == .accepted(epoch: 1, config: NodeConfig(sessionNode: nil, frontends: []), effects: []))
        #expect(registry.isReady)
    }

    @Test("clients and a second management node never register",
          arguments: [NodeName(.client, 1), NodeName(.management, 2)])
    func roleNotAllowed(node: NodeName) {
        var registry = makeRegistry()
        #expect(registry.register(name: node, address: "x:1", version: "1.0", now: .zero)
            == .rejected(.roleNotAllowed(node)))
        #expect(!registry.isRegistered(node))
    }

    @Test("a version mismatch is refused with both versions")
    func versionMismatch() {
        var registry = makeRegistry()
        let decision = registry.register(name: fe1, address: address(of: fe1), version: "0.9", now: .zero)
        #expect(decision == .rejected(.versionMismatch(expected: "1.0", got: "0.9")))
        #expect(!registry.isRegistered(fe1))
        if case .rejected(let why) = decision {
            #expect(why.code == "version-mismatch")
            #expect(why.description.contains("deploy version 1.0"))
        }
    }

    @Test("the manager-not-ready check comes before the version check")
    func checkOrder() {
        var registry = makeRegistry(managerReady: false)
        #expect(registry.register(name: fe1, address: "a", version: "0.9", now: .zero) == .rejected(.managerNotReady))
    }

    @Test("an address used by another live node is refused, naming the holder")
    func addressInUse() {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.register(name: fe2, address: address(of: fe1), version: "1.0", now: ms(1))
            == .rejected(.addressInUse(by: fe1)))
        #expect(registry.register(name: fe2, address: address(of: manager), version: "1.0", now: ms(1))
            == .rejected(.addressInUse(by: manager)))
        #expect(!registry.isRegistered(fe2))
    }

    @Test("an address becomes free once its holder is gone")
    func addressFreedByRemoval() throws {
        var registry = makeRegistry(nodes: [fe1])
        let epoch = try #require(registry.entry(fe1)?.epoch)
        _ = registry.unregister(name: fe1, epoch: epoch, now: ms(10))
        #expect(registry.register(name: fe2, address: address(of: fe1), version: "1.0", now: ms(11)).acceptedEpoch == 1)
    }

    @Test("the same name may register again on its own address or a new one")
    func sameNameOwnAddress() {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(1)).acceptedEpoch == 2)
        #expect(registry.register(name: fe1, address: "elsewhere:1", version: "1.0", now: ms(2)).acceptedEpoch == 3)
        #expect(registry.entry(fe1)?.address == "elsewhere:1")
    }

    @Test("an accepted registration records the entry")
    func entryRecorded() throws {
        var registry = makeRegistry()
        _ = registry.register(name: fe1, address: "fe:1", version: "1.0", now: ms(250))
        let entry = try #require(registry.entry(fe1))
        #expect(entry == Registry.Entry(name: fe1, address: "fe:1", version: "1.0",
                                        registeredAt: ms(250), lastPingAt: ms(250), epoch: 1))
        #expect(entry.role == .frontend)
        #expect(registry.isRegistered(fe1))
        #expect(!registry.isRegistered(fe2))
        #expect(registry.entry(fe2) == nil)
    }

    @Test("the config names the session node and the frontends sorted, the new node included")
    func config() {
        var registry = makeRegistry(nodes: [fe3, session, fe1])
        let decision = registry.register(name: fe2, address: address(of: fe2), version: "1.0", now: ms(1))
        #expect(decision.acceptedConfig == NodeConfig(
            sessionNode: .init(name: session, address: address(of: session)),
            frontends: [fe1, fe2, fe3].map { .init(name: $0, address: address(of: $0)) }))
    }

    @Test("the config has no session node before one registers")
    func configWithoutSession() {
        var registry = makeRegistry()
        let decision = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(1))
        #expect(decision.acceptedConfig?.sessionNode == nil)
        #expect(decision.acceptedConfig?.frontends.map(\.name) == [fe1])
    }

    @Test("a join is told to every other live node but the manager, sorted")
    func joinNotice() {
        var registry = makeRegistry(nodes: [gateway, fe2, session, chat])
        let decision = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(1))
        #expect(decision.acceptedEffects == [.notifyAll([session, fe2, chat, gateway], .joined(fe1, epoch: 1))])
    }

    @Test("the first node after the manager has nobody to tell")
    func joinNoticeEmpty() {
        var registry = makeRegistry()
        #expect(registry.register(name: session, address: "s:1", version: "1.0", now: ms(1)).acceptedEffects == [])
    }

    @Test("re-registering a live name: new epoch, removal of the old incarnation, rejoined notice")
    func reRegistration() throws {
        var registry = makeRegistry(nodes: [session, fe1, fe2])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(900)) == .ok)
        let decision = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(1_500))
        #expect(decision.acceptedEpoch == 2)
        #expect(decision.acceptedEffects == [
            .removed(fe1, epoch: 1, reason: .reregistered, detectedAt: ms(1_500), lastHeard: ms(900)),
            .notifyAll([session, fe2], .rejoined(fe1, epoch: 2, previousEpoch: 1)),
        ])
        let entry = try #require(registry.entry(fe1))
        #expect(entry.epoch == 2)
        #expect(entry.registeredAt == ms(1_500))
        #expect(entry.lastPingAt == ms(1_500))
        #expect(registry.liveNodes == [manager, session, fe1, fe2])
    }

    @Test("epochs keep counting after a removal, per name")
    func epochsSurviveRemoval() {
        var registry = makeRegistry(nodes: [fe1, fe2])
        _ = registry.unregister(name: fe1, epoch: 1, now: ms(1))
        let again = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(2))
        #expect(again.acceptedEpoch == 2)
        #expect(again.acceptedEffects == [.notifyAll([fe2], .joined(fe1, epoch: 2))])
        #expect(registry.entry(fe2)?.epoch == 1)
    }
}

@Suite("Registry: pings")
struct RegistryPingTests {
    @Test("a ping with the current epoch is ok and restarts the silence clock")
    func pingOK() throws {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(1_000)) == .ok)
        #expect(try #require(registry.entry(fe1)).lastPingAt == ms(1_000))
        #expect(registry.nextDeadline(now: ms(1_000)) == ms(4_000))
    }

    @Test("a ping from an unknown name is unknown")
    func pingUnknownName() {
        var registry = makeRegistry()
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(1)) == .unknown)
        #expect(!registry.isRegistered(fe1))
    }

    @Test("after a re-registration, the old incarnation's ping is unknown and changes nothing")
    func pingStaleEpoch() throws {
        var registry = makeRegistry(nodes: [fe1])
        _ = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(100))
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(2_000)) == .unknown)
        #expect(try #require(registry.entry(fe1)).lastPingAt == ms(100))
        #expect(registry.ping(name: fe1, epoch: 2, now: ms(2_000)) == .ok)
    }

    @Test("after a manager restart (a fresh registry) every ping is unknown, so nodes register again")
    func managerRestart() {
        var before = makeRegistry(nodes: [session, fe1])
        #expect(before.ping(name: fe1, epoch: 1, now: ms(1_000)) == .ok)

        var restarted = makeRegistry()
        #expect(restarted.ping(name: session, epoch: 1, now: ms(2_000)) == .unknown)
        #expect(restarted.ping(name: fe1, epoch: 1, now: ms(2_000)) == .unknown)
        #expect(restarted.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(2_001)).acceptedEpoch == 1)
        #expect(restarted.ping(name: fe1, epoch: 1, now: ms(2_500)) == .ok)
    }

    @Test("a ping from a node already silent for pingTimeout is unknown, even before tick ran")
    func pingTooLate() throws {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(2_999)) == .ok)
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(5_999)) == .unknown)
        #expect(try #require(registry.entry(fe1)).lastPingAt == ms(2_999))
        let effects = registry.tick(now: ms(5_999))
        #expect(effects.first == .removed(fe1, epoch: 1, reason: .pingTimeout, detectedAt: ms(5_999), lastHeard: ms(2_999)))
    }

    @Test("a ping does not move lastPingAt backwards")
    func pingMonotonic() throws {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(1_000)) == .ok)
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(500)) == .ok)
        #expect(try #require(registry.entry(fe1)).lastPingAt == ms(1_000))
    }
}

@Suite("Registry: timeouts, fencing and shutdown")
struct RegistryTickTests {
    @Test("tick removes nothing a nanosecond before pingTimeout")
    func notBefore() {
        var registry = makeRegistry(nodes: [session, fe1])
        let justBefore = VirtualInstant(nanoseconds: 3_000_000_000 - 1)
        #expect(registry.tick(now: justBefore) == [])
        #expect(registry.liveNodes == [manager, session, fe1])
    }

    @Test("tick removes exactly the silent nodes at exactly pingTimeout, with notices and fences")
    func exactlyAtTimeout() {
        var registry = makeRegistry(nodes: [session, fe1, fe2, fe3, chat])
        // fe1 and chat keep pinging; session, fe2 and fe3 fall silent after registering at 0.
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(1_000)) == .ok)
        #expect(registry.ping(name: chat, epoch: 1, now: ms(2_000)) == .ok)
        #expect(registry.ping(name: fe3, epoch: 1, now: ms(1)) == .ok)

        let effects = registry.tick(now: ms(3_000))
        #expect(effects == [
            .removed(session, epoch: 1, reason: .pingTimeout, detectedAt: ms(3_000), lastHeard: .zero),
            .notifyAll([fe1, fe3, chat], .left(session, epoch: 1)),
            .fence(session, address: address(of: session), epoch: 1),
            .removed(fe2, epoch: 1, reason: .pingTimeout, detectedAt: ms(3_000), lastHeard: .zero),
            .notifyAll([fe1, fe3, chat], .left(fe2, epoch: 1)),
            .fence(fe2, address: address(of: fe2), epoch: 1),
        ])
        #expect(registry.liveNodes == [manager, fe1, fe3, chat])

        #expect(registry.tick(now: ms(3_000)) == [], "a second tick at the same instant does nothing")
        #expect(registry.nextDeadline(now: ms(3_000)) == ms(3_001))
        let next = registry.tick(now: ms(3_001))
        #expect(next == [
            .removed(fe3, epoch: 1, reason: .pingTimeout, detectedAt: ms(3_001), lastHeard: ms(1)),
            .notifyAll([fe1, chat], .left(fe3, epoch: 1)),
            .fence(fe3, address: address(of: fe3), epoch: 1),
        ])
    }

    @Test("notice recipients are the nodes left after all of the tick's removals, never the removed ones")
    func recipientsExcludeRemoved() {
        var registry = makeRegistry(nodes: [fe1, fe2, fe3])
        #expect(registry.ping(name: fe2, epoch: 1, now: ms(2_000)) == .ok)
        let effects = registry.tick(now: ms(3_500))
        let recipients: [[NodeName]] = effects.compactMap {
            if case .notifyAll(let to, _) = $0 { to } else { nil }
        }
        #expect(recipients == [[fe2], [fe2]])
        for list in recipients {
            #expect(!list.contains(fe1) && !list.contains(fe3) && !list.contains(manager))
        }
    }

    @Test("the manager is never removed by tick")
    func managerNeverRemoved() {
        var registry = makeRegistry()
        #expect(registry.tick(now: ms(1_000_000)) == [])
        #expect(registry.liveNodes == [manager])
        #expect(registry.nextDeadline(now: ms(1_000_000)) == nil)
    }

    @Test("the last node removed has nobody to tell but is still fenced")
    func lastNodeFenced() {
        var registry = makeRegistry(nodes: [fe1])
        #expect(registry.tick(now: ms(3_000)) == [
            .removed(fe1, epoch: 1, reason: .pingTimeout, detectedAt: ms(3_000), lastHeard: .zero),
            .fence(fe1, address: address(of: fe1), epoch: 1),
        ])
    }

    @Test("a fenced zombie that comes back is unknown and registers as a new epoch")
    func zombieComesBack() {
        var registry = makeRegistry(nodes: [session, fe1])
        #expect(registry.ping(name: session, epoch: 1, now: ms(2_500)) == .ok)
        _ = registry.tick(now: ms(3_000))
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(4_000)) == .unknown)
        let decision = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(4_001))
        #expect(decision.acceptedEpoch == 2)
        #expect(decision.acceptedEffects == [.notifyAll([session], .joined(fe1, epoch: 2))])
    }

    @Test("nextDeadline is the earliest silence deadline, clamped to now, nil when nobody can time out")
    func nextDeadline() {
        var registry = makeRegistry(nodes: [fe1, fe2])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(1_000)) == .ok)
        #expect(registry.nextDeadline(now: ms(1_000)) == ms(3_000))
        #expect(registry.nextDeadline(now: ms(3_500)) == ms(3_500), "overdue: tick now")
        _ = registry.tick(now: ms(3_000))
        #expect(registry.nextDeadline(now: ms(3_000)) == ms(4_000))
        #expect(makeRegistry(managerReady: false).nextDeadline(now: .zero) == nil)
    }

    @Test("a clean shutdown removes at once, tells the others, and does not fence")
    func unregister() {
        var registry = makeRegistry(nodes: [session, fe1, fe2])
        #expect(registry.ping(name: fe1, epoch: 1, now: ms(700)) == .ok)
        #expect(registry.unregister(name: fe1, epoch: 1, now: ms(800)) == [
            .removed(fe1, epoch: 1, reason: .unregistered, detectedAt: ms(800), lastHeard: ms(700)),
            .notifyAll([session, fe2], .left(fe1, epoch: 1)),
        ])
        #expect(!registry.isRegistered(fe1))
        #expect(registry.liveNodes == [manager, session, fe2])
    }

    @Test("an unregister from a stale epoch, an unknown name or the manager changes nothing")
    func unregisterIgnored() {
        var registry = makeRegistry(nodes: [fe1])
        _ = registry.register(name: fe1, address: address(of: fe1), version: "1.0", now: ms(10))
        #expect(registry.unregister(name: fe1, epoch: 1, now: ms(20)) == [])
        #expect(registry.entry(fe1)?.epoch == 2)
        #expect(registry.unregister(name: fe2, epoch: 1, now: ms(20)) == [])
        #expect(registry.unregister(name: manager, epoch: 1, now: ms(20)) == [])
        #expect(registry.liveNodes == [manager, fe1])
    }

    @Test("entries are listed sorted by name with their epochs")
    func entriesSorted() {
        let registry = makeRegistry(nodes: [gateway, fe2, chat, session, fe1])
        #expect(registry.entries.map(\.name) == [manager, session, fe1, fe2, chat, gateway])
        #expect(registry.entries.allSatisfy { $0.epoch == 1 })
    }
}
