import NetModel
@testable import Nodes
import Testing

@Suite("GatewayCore: round-robin over live frontends, one stream each, copies routed once, suspensions")
struct GatewayCoreTests {
    let fe1 = NodeName(.frontend, 1), fe2 = NodeName(.frontend, 2), fe3 = NodeName(.frontend, 3)
    let client = NodeName(.client, 7)
    var frontends: [NodeConfig.Peer] { [fe1, fe2, fe3].map { NodeConfig.Peer(name: $0, address: $0.description) } }

    func request(_ id: UInt64) -> ClientRequest {
        ClientRequest(requestID: id, token: "t", call: ClientService.state.call)
    }

    /// Routes `id` and returns the stream it went on (nil when not forwarded).
    func route(_ core: inout GatewayCore, _ id: UInt64, now: Int64 = 0, opened: inout [NodeName]) -> StreamID? {
        var next = UInt64(opened.count + 1)
        let actions = core.request(request(id), from: client, serving: true, frontends: frontends, now: now) { frontend in
            opened.append(frontend)
            defer { next += 1 }
            return StreamID(next)
        }
        guard case .forward(let forwarded, let stream) = actions.first else { return nil }
        #expect(forwarded.origin == client)
        return stream
    }

    @Test("requests go round-robin; each frontend's stream is opened once and reused")
    func roundRobin() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        let streams = (1...6).compactMap { route(&core, UInt64($0), opened: &opened) }
        #expect(opened == [fe1, fe2, fe3])
        #expect(streams.map(\.rawValue) == [1, 2, 3, 1, 2, 3])
    }

    @Test("a copy in flight is not routed again; a non-retryable answer is remembered and given to a late copy")
    func copies() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        #expect(route(&core, 1, opened: &opened) != nil)
        #expect(core.request(request(1), from: client, serving: true, frontends: frontends, now: 0) { _ in StreamID(99) }.isEmpty)
        let answer = ClientReply(requestID: 1, result: .flag(true), origin: client)
        #expect(core.reply(answer) == [.reply(answer, to: client)])
        #expect(core.reply(answer).isEmpty, "a second copy of the answer was sent on")
        #expect(core.request(request(1), from: client, serving: true, frontends: frontends, now: 0) { _ in StreamID(99) }
            == [.reply(answer, to: client)])
    }

    @Test("a retryable refusal is not remembered: the retry is routed again")
    func retryable() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        _ = route(&core, 1, opened: &opened)
        _ = core.reply(ClientReply(requestID: 1, result: .refused(.sessionUnavailable), origin: client))
        #expect(route(&core, 1, opened: &opened) != nil)
    }

    @Test("a refusal of the token is not remembered: the retry with a new token is routed again", arguments: [
        Refusal.expiredToken, .badToken("signature"),
    ])
    func tokenRefusalNotKept(_ refusal: Refusal) {
        var core = GatewayCore()
        var opened: [NodeName] = []
        _ = route(&core, 1, opened: &opened)
        _ = core.reply(ClientReply(requestID: 1, result: .refused(refusal), origin: client))
        #expect(route(&core, 1, opened: &opened) != nil, "the retry got the old token's refusal from memory")
    }

    @Test("a broken stream refuses what was in flight on it and suspends its frontend for 2 s, unless it rejoins")
    func brokenStream() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        let stream = route(&core, 1, opened: &opened)!
        let actions = core.streamClosed(stream, now: 100)
        #expect(actions == [.reply(ClientReply(requestID: 1, result: .refused(.frontendUnavailable), origin: client), to: client)])
        #expect(core.routingTable(frontends, now: 100) == [fe2, fe3])
        #expect(core.routingTable(frontends, now: 100 + GatewayCore.suspension) == [fe1, fe2, fe3])
        _ = core.membershipChanged(.rejoined(fe1, epoch: 2, previousEpoch: 1), now: 0)
        #expect(core.routingTable(frontends, now: 100) == [fe1, fe2, fe3])
    }

    @Test("a frontend that left loses its stream (closed) and its in-flight requests are refused")
    func left() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        let stream = route(&core, 1, opened: &opened)!
        let actions = core.membershipChanged(.left(fe1, epoch: 1), now: 0)
        #expect(actions == [.close(stream),
                            .reply(ClientReply(requestID: 1, result: .refused(.frontendUnavailable), origin: client), to: client)])
        #expect(core.connections[fe1] == nil)
    }

    @Test("not serving, or no live frontend: refused no-frontend")
    func noFrontend() {
        var core = GatewayCore()
        let refused = [GatewayCore.Action.reply(ClientReply(requestID: 5, result: .refused(.noFrontend), origin: client), to: client)]
        #expect(core.request(request(5), from: client, serving: false, frontends: frontends, now: 0) { _ in StreamID(1) } == refused)
        #expect(core.request(request(5), from: client, serving: true, frontends: [], now: 0) { _ in StreamID(1) } == refused)
    }

    /// Request 1 routed to frontend-1, whose stream then broke at 100 ns.
    func brokenOnFirst(_ core: inout GatewayCore, opened: inout [NodeName]) {
        let stream = route(&core, 1, opened: &opened)!
        #expect(opened == [fe1])
        _ = core.streamClosed(stream, now: 100)
    }

    var unavailable: [GatewayCore.Action] {
        [.reply(ClientReply(requestID: 1, result: .refused(.frontendUnavailable), origin: client), to: client)]
    }

    @Test("a request whose stream broke goes again only to its frontend: refused while it is suspended, then forwarded there")
    func pinnedToItsFrontend() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        brokenOnFirst(&core, opened: &opened)
        #expect(core.request(request(1), from: client, serving: true, frontends: frontends, now: 200) { _ in StreamID(99) } == unavailable,
                "the retry went to another frontend, which may execute it a second time")
        #expect(route(&core, 2, now: 200, opened: &opened) != nil)
        #expect(opened.count == 2 && opened.last != fe1, "a new request is routed round-robin over the others as before")
        let retry = route(&core, 1, now: 100 + GatewayCore.suspension, opened: &opened)
        #expect(retry != nil)
        #expect(opened.last == fe1, "the retry was not sent to the frontend that may have executed it")
        #expect(core.pinned.isEmpty)
        #expect(core.request(request(1), from: client, serving: true, frontends: frontends, now: 200) { _ in StreamID(99) }.isEmpty,
                "a copy in flight is routed once")
    }

    @Test("a request in flight to a frontend that left is refused until that frontend is listed again")
    func pinnedAfterLeaving() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        _ = route(&core, 1, opened: &opened)
        _ = core.membershipChanged(.left(fe1, epoch: 1), now: 100)
        let others = Array(frontends.dropFirst())
        #expect(core.request(request(1), from: client, serving: true, frontends: others, now: 200) { _ in StreamID(99) } == unavailable)
        #expect(route(&core, 1, now: 300, opened: &opened) != nil)
        #expect(opened.last == fe1)
    }

    @Test("a pin is forgotten after its lifetime: a copy that late is routed like a new request")
    func pinLifetime() {
        var core = GatewayCore()
        var opened: [NodeName] = []
        brokenOnFirst(&core, opened: &opened)
        let others = Array(frontends.dropFirst())
        let actions = core.request(request(1), from: client, serving: true, frontends: others,
                                   now: 100 + GatewayCore.pinLifetime) { _ in StreamID(42) }
        #expect(actions.count == 1)
        if case .forward(_, let stream) = actions.first { #expect(stream == StreamID(42)) } else { Issue.record("not forwarded: \(actions)") }
        #expect(core.pinned.isEmpty)
    }
}
