import NetModel
@testable import Nodes
import Testing

private let config = NodeConfig(sessionNode: nil, frontends: [])
private let register = ManagementLink.Action.send(.register(address: "frontend-1", version: "1.0", incarnation: 0))

/// A link at its first registration, accepted as epoch 4.
private func makeRegisteredLink() -> ManagementLink {
    var link = ManagementLink(address: "frontend-1", version: "1.0")
    _ = link.handle(.registerAccepted(epoch: 4, config: config))
    return link
}

@Suite("ManagementLink: register, ping, re-register, fence, leave")
struct ManagementLinkTests {
    @Test("registers until accepted, pings while registered, registers again when unknown")
    func lifecycle() {
        var link = ManagementLink(address: "frontend-1", version: "1.0")
        #expect(link.tick() == register)
        #expect(!link.isServing && link.mayServeAgain, "blocked until registered")
        #expect(link.handle(.registerAccepted(epoch: 4, config: config)) == .becameServing(config))
        #expect(link.isServing && link.epoch == 4)
        #expect(link.tick() == .send(.ping(epoch: 4)))
        #expect(link.handle(.pong(known: false, config: nil)) == register)
        #expect(!link.isServing && link.mayServeAgain)
    }

    @Test("a known pong carries the current configuration; notices keep it current in between")
    func configuration() {
        var link = makeRegisteredLink()
        let session = NodeConfig.Peer(name: .session, address: "session-1")
        #expect(link.handle(.notice(.joined(.session, epoch: 2))) == .membershipChanged(.joined(.session, epoch: 2)))
        #expect(link.config.sessionNode?.name == .session)
        #expect(link.handle(.notice(.left(.session, epoch: 2))) == .membershipChanged(.left(.session, epoch: 2)))
        #expect(link.config.sessionNode == nil)
        let fresh = NodeConfig(sessionNode: session, frontends: [])
        #expect(link.handle(.pong(known: true, config: fresh)) == .none)
        #expect(link.config.sessionNode == session)
    }

    @Test("an older acceptance arriving after a newer one is ignored; a newer one is taken")
    func staleAcceptance() {
        var link = makeRegisteredLink()
        #expect(link.handle(.registerAccepted(epoch: 5, config: config)) == .becameServing(config))
        #expect(link.handle(.registerAccepted(epoch: 4, config: config)) == .none)
        #expect(link.epoch == 5, "a late copy of the older acceptance put the node back on an epoch the manager removed")
        #expect(link.tick() == .send(.ping(epoch: 5)))
        // Unregistered (the manager forgot it), any acceptance is taken: a restarted manager
        // numbers epochs from 1 again.
        _ = link.handle(.pong(known: false, config: nil))
        #expect(link.handle(.registerAccepted(epoch: 1, config: config)) == .becameServing(config))
        #expect(link.epoch == 1)
    }

    @Test("a late copy of an older notice is not news: a left after a newer rejoin, a rejoin twice")
    func staleNotices() {
        var link = makeRegisteredLink()
        let fe2 = NodeName(.frontend, 2)
        #expect(link.handle(.notice(.joined(fe2, epoch: 3))) == .membershipChanged(.joined(fe2, epoch: 3)))
        #expect(link.handle(.notice(.left(fe2, epoch: 3))) == .membershipChanged(.left(fe2, epoch: 3)))
        #expect(link.handle(.notice(.rejoined(fe2, epoch: 4, previousEpoch: 3))) == .membershipChanged(.rejoined(fe2, epoch: 4, previousEpoch: 3)))
        #expect(link.handle(.notice(.left(fe2, epoch: 3))) == .none, "a duplicated left of epoch 3 undid the rejoin")
        #expect(link.handle(.notice(.rejoined(fe2, epoch: 4, previousEpoch: 3))) == .none, "the same rejoin was news twice")
        #expect(link.handle(.notice(.joined(fe2, epoch: 3))) == .none)
        #expect(link.config.frontends.map(\.name) == [fe2])
        #expect(link.handle(.notice(.left(fe2, epoch: 4))) == .membershipChanged(.left(fe2, epoch: 4)))
        #expect(link.config.frontends.isEmpty)
        // Registered from scratch (a restarted manager numbers from 1 again): epoch 1 is news.
        _ = link.handle(.pong(known: false, config: nil))
        _ = link.handle(.registerAccepted(epoch: 1, config: config))
        #expect(link.handle(.notice(.joined(fe2, epoch: 1))) == .membershipChanged(.joined(fe2, epoch: 1)))
    }

    @Test("a stop for the current epoch fences for good; one for an older epoch does nothing")
    func fence() {
        var link = makeRegisteredLink()
        #expect(link.handle(.stop(epoch: 3)) == .none)
        #expect(link.isServing)
        #expect(link.handle(.stop(epoch: 4)) == .stopServing)
        #expect(link.tick() == .none && !link.mayServeAgain)
        #expect(link.handle(.registerAccepted(epoch: 5, config: config)) == .none, "a fenced node never serves again")
    }

    @Test("leaving: unregister once, ping until the manager shows the node removed, then left")
    func leaving() {
        var link = makeRegisteredLink()
        #expect(link.leave() == .unregister(epoch: 4))
        #expect(link.state == .leaving(epoch: 4))
        #expect(!link.isServing && !link.mayServeAgain, "a leaving node serves no more")
        #expect(link.leave() == nil, "leaving twice sends nothing")
        #expect(link.tick() == .send(.ping(epoch: 4)))
        #expect(link.handle(.pong(known: true, config: config)) == .send(.unregister(epoch: 4)),
                "still known: the unregister was lost, say it again")
        #expect(link.handle(.registerAccepted(epoch: 5, config: config)) == .none, "a leaving node does not register")
        #expect(link.handle(.pong(known: false, config: nil)) == .none)
        #expect(link.state == .left)
        #expect(link.tick() == .none)
        #expect(link.handle(.pong(known: false, config: nil)) == .none)
        #expect(!link.isServing && !link.mayServeAgain)
    }

    @Test("a stop while leaving ends the leave without a restart")
    func stopWhileLeaving() {
        var link = makeRegisteredLink()
        _ = link.leave()
        #expect(link.handle(.stop(epoch: 4)) == .none, "no stopServing: the node is going anyway")
        #expect(link.state == .left)
    }

    @Test("a node that leaves before it registered is left at once and sends nothing")
    func leaveUnregistered() {
        var link = ManagementLink(address: "frontend-1", version: "1.0")
        #expect(link.leave() == nil)
        #expect(link.state == .left)
        #expect(link.tick() == .none)
    }
}
