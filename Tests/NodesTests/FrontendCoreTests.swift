import NetModel
@testable import Nodes
import Testing

private func ms(_ ms: Int64) -> Int64 { ms * 1_000_000 }

/// Drives a `FrontendCore` as its shell would: a registered frontend with a session and a chat node.
private struct FrontendHarness {
    let session = NodeName(.session, 1)
    let chat = NodeName(.chat, 1)
    let client = NodeName(.client, 7)
    let gateway = NodeName(.gateway, 1)
    var core = makeFrontendCore()
    var link = FrontendCore.Link(isServing: true, session: NodeName(.session, 1), chat: NodeName(.chat, 1))
    /// The token clock (s).
    var seconds: Int64 = 100

    /// A token for `user` signed with the cluster's secret, valid until `exp` (10 min unless told).
    func token(_ user: String, exp: Int64? = nil) -> String {
        core.signer.sign(TokenClaims(sub: user, iat: seconds, exp: exp ?? seconds + 600))
    }

    /// Request `id` of `service` sent directly by the client.
    mutating func direct(_ service: ClientService, id: UInt64, token: String = "") -> [FrontendCore.Action] {
        core.request(ClientRequest(requestID: id, token: token, call: service.call), from: client, link: link,
                     seconds: seconds)
    }

    /// Request `id` of `service` relayed by the gateway on stream `stream`.
    mutating func relayed(_ service: ClientService, id: UInt64, token: String = "", on stream: StreamID) -> [FrontendCore.Action] {
        let request = ClientRequest(requestID: id, token: token, call: service.call, origin: client)
        return core.streamFrame(stream, peer: gateway, .request(request), link: link, now: 0, seconds: seconds)
    }

    /// A push stream `id` of `user` opened by its client and accepted at `now`.
    mutating func openPush(_ id: StreamID, user: String, now: Int64 = 0) -> [FrontendCore.Action] {
        core.streamOpened(id, peer: client)
        return core.streamFrame(id, peer: client, .pushOpen(token: token(user)), link: link, now: now, seconds: seconds)
    }

    /// The request key of the client's request `id`.
    func key(_ id: UInt64) -> RequestKey { RequestKey(origin: client, id: id) }

    /// The action sending `call` to `node` with the cluster's group id.
    func send(_ call: BackendCall, to node: NodeName) -> FrontendCore.Action { .send(.backend(group: core.groupID, call), to: node) }
}

/// The trace labels of the `.log` actions, in order.
private func logs(_ actions: [FrontendCore.Action]) -> [String] {
    actions.compactMap { if case .log(let label, _) = $0 { label } else { nil } }
}

/// The replies, in order.
private func replies(_ actions: [FrontendCore.Action]) -> [(result: ClientResult, route: FrontendCore.ReplyRoute)] {
    actions.compactMap { if case .reply(let reply, let route) = $0 { (reply.result, route) } else { nil } }
}

/// The handlers started, in order.
private func started(_ actions: [FrontendCore.Action]) -> [FrontendCore.HandlerStart] {
    actions.compactMap { if case .runHandler(let start) = $0 { start } else { nil } }
}

/// The backend calls sent, in order.
private func sent(_ actions: [FrontendCore.Action]) -> [(call: BackendCall, to: NodeName)] {
    actions.compactMap { if case .send(.backend(_, let call), let node) = $0 { (call, node) } else { nil } }
}

@Suite("FrontendCore: serving, remembered answers, forwarded calls, push streams, pushes and re-syncs")
struct FrontendCoreTests {
    @Test("a request is refused (logged and answered, no handler) when too large, not serving, of an unknown service, or with a bad or expired token")
    func refusals() throws {
        var h = FrontendHarness()
        func refusal(_ actions: [FrontendCore.Action]) -> Refusal? {
            #expect(logs(actions) == [NodeLog.requestRejected])
            #expect(started(actions).isEmpty)
            return replies(actions).first?.result.refusal
        }
        #expect(refusal(h.direct(.state, id: 1, token: String(repeating: "x", count: 3_000))) == .tooLarge("token"))
        h.link.isServing = false
        #expect(refusal(h.direct(.state, id: 2)) == .notServing)
        h.link.isServing = true
        let unknown = ClientService.custom(ServiceCall(service: "Nope", payload: ServicePayload(StateRequest())))
        #expect(refusal(h.direct(unknown, id: 3)) == .unknownService("Nope"))
        let bad = try #require(refusal(h.direct(.isOnline(user: "b"), id: 4, token: "garbage")))
        guard case .badToken = bad else { Issue.record("not a bad token: \(bad)"); return }
        #expect(refusal(h.direct(.isOnline(user: "b"), id: 5, token: h.token("a", exp: h.seconds - 10))) == .expiredToken)
        // A token verified while valid is remembered; its expiry is still checked on every use.
        let token = h.token("a", exp: h.seconds + 1)
        #expect(started(h.direct(.isOnline(user: "b"), id: 6, token: token)).count == 1)
        h.seconds += 1
        #expect(refusal(h.direct(.isOnline(user: "b"), id: 7, token: token)) == .expiredToken)
    }

    @Test("Login and State remember their answers: a later copy gets the first answer, logged as a repeat")
    func rememberedAnswers() {
        var h = FrontendHarness()
        let login = ClientService.login(user: "a", password: "pw-a")
        let first = h.direct(login, id: 1)
        #expect(logs(first) == [NodeLog.requestServed, NodeLog.requestExecuted])
        #expect(started(first).map(\.service) == ["Login"])
        let done = h.core.handlerReturned(h.key(1), outcome: .success(.token("T1")))
        #expect(replies(done).map(\.result) == [.token("T1")])
        let copy = h.direct(login, id: 1)
        #expect(logs(copy) == [NodeLog.requestServed, NodeLog.requestRepeat])
        #expect(started(copy).isEmpty)
        #expect(replies(copy).map(\.result) == [.token("T1")])
        _ = h.direct(.state, id: 2)
        _ = h.core.handlerReturned(h.key(2), outcome: .success(.flag(true)))
        #expect(replies(h.direct(.state, id: 2)).map(\.result) == [.flag(true)])
        // A service that does not remember runs its handler again for a later copy.
        let token = h.token("a")
        _ = h.direct(.isOnline(user: "b"), id: 3, token: token)
        _ = h.core.handlerReturned(h.key(3), outcome: .success(.flag(false)))
        #expect(started(h.direct(.isOnline(user: "b"), id: 3, token: token)).count == 1)
    }

    @Test("a copy of a running request only updates where the answer goes")
    func copyOfRunningRequestReroutes() {
        var h = FrontendHarness()
        let token = h.token("a")
        #expect(started(h.direct(.message(to: "b", text: "hi"), id: 1, token: token)).count == 1)
        h.core.streamOpened(StreamID(9), peer: h.gateway)
        let copy = h.relayed(.message(to: "b", text: "hi"), id: 1, token: token, on: StreamID(9))
        #expect(logs(copy) == [NodeLog.requestServed])
        #expect(started(copy).isEmpty && replies(copy).isEmpty)
        let done = h.core.handlerReturned(h.key(1), outcome: .success(.accepted(pushID: 5)))
        #expect(replies(done).map(\.route) == [.stream(StreamID(9))])
        // The handler's return is reported once.
        #expect(h.core.handlerReturned(h.key(1), outcome: .success(.ok)).isEmpty)
    }

    @Test("a forwarded call is sent again every callRetry and refused at the deadline; the handler passing the refusal on is not logged again")
    func forwardedCallRetriedThenRefused() throws {
        var h = FrontendHarness()
        _ = h.direct(.message(to: "b", text: "hi"), id: 1, token: h.token("a"))
        let (key, first) = h.core.handlerCall(.push(users: ["b"], body: .message(from: "a", text: "hi")), for: h.key(1),
                                               link: h.link, now: 0)
        #expect(key == h.key(1).step(0))
        let call = try #require(sent(first).first)
        #expect(call.to == h.session)
        guard case .pushTo(["b"], _, _, 0, key) = call.call else { Issue.record("not the push: \(call.call)"); return }
        #expect(first.last == .schedule(.callRetry, after: FrontendCore.callRetry))
        // Only one retry timer runs for all calls.
        let (second, other) = h.core.handlerCall(.isOnline(user: "c"), for: h.key(1), link: h.link, now: 0)
        #expect(second == h.key(1).step(1))
        #expect(other == [h.send(.isOnline(user: "c", request: second), to: h.session)])
        _ = h.core.backendCall(.executed(request: second, result: .flag(true)), from: h.session, link: h.link)
        for t in [300, 600, 900, 1_200] as [Int64] {
            let tick = h.core.fire(.callRetry, link: h.link, now: ms(t))
            #expect(tick == [h.send(call.call, to: h.session), .schedule(.callRetry, after: FrontendCore.callRetry)], "at \(t) ms")
        }
        let deadline = h.core.fire(.callRetry, link: h.link, now: ms(1_500))
        #expect(logs(deadline) == [NodeLog.requestRejected])
        #expect(deadline.last == .resume(key, .refused(.sessionUnavailable)))
        #expect(!deadline.contains { if case .schedule = $0 { true } else { false } })
        let done = h.core.handlerReturned(h.key(1), outcome: .failure(.sessionUnavailable))
        #expect(logs(done).isEmpty)
        #expect(replies(done).map(\.result) == [.refused(.sessionUnavailable)])
    }

    @Test("the executor's answer resumes the waiting handler once; a second copy finds nothing waiting")
    func executedAnswerResumesOnce() {
        var h = FrontendHarness()
        _ = h.direct(.chat(.rooms), id: 1, token: h.token("a"))
        let (key, actions) = h.core.handlerCall(.chat(user: "a", command: .rooms), for: h.key(1), link: h.link, now: 0)
        #expect(sent(actions).map(\.to) == [h.chat])
        let answer = h.core.backendCall(.executed(request: key, result: .ok), from: h.chat, link: h.link)
        #expect(answer == [.resume(key, .ok)])
        #expect(h.core.backendCall(.executed(request: key, result: .ok), from: h.chat, link: h.link).isEmpty)
        // Nothing waits: the retry timer sends nothing and stops.
        #expect(h.core.fire(.callRetry, link: h.link, now: ms(300)).isEmpty)
    }

    @Test("a push stream: token renewed with this frontend, login sent to the session node until acknowledged, logout when it closes")
    func pushStreamLoginLogout() throws {
        var h = FrontendHarness()
        let id = StreamID(4)
        let opened = h.openPush(id, user: "a", now: ms(20))
        guard case .sendOnStream(.pushOpened(let renewed), id) = opened.first else { Issue.record("\(opened)"); return }
        let claims = try h.core.signer.verify(renewed, now: h.seconds, leeway: 0).get()
        #expect(claims.sub == "a" && claims.push == "frontend-1")
        #expect(logs(opened) == [NodeLog.streamAccepted])
        let login = BackendCall.sessionLogin(user: "a", frontend: h.core.name, connection: 4, since: ms(20))
        #expect(Array(opened.suffix(2)) == [h.send(login, to: h.session),
                                            .schedule(.announce(id, user: "a", since: ms(20)), after: FrontendCore.announceRetry)])
        #expect(h.core.openPushStreams.map(\.user) == ["a"])
        #expect(sent(h.core.fire(.announce(id, user: "a", since: ms(20)), link: h.link, now: ms(520))).map(\.call) == [login])
        #expect(h.core.backendCall(.sessionLoginAck(user: "a", connection: 4), from: h.session, link: h.link).isEmpty)
        #expect(h.core.fire(.announce(id, user: "a", since: ms(20)), link: h.link, now: ms(1_020)).isEmpty)
        let closed = h.core.streamClosed(id, reason: "closed", link: h.link)
        #expect(logs(closed) == [NodeLog.streamEnded])
        #expect(sent(closed).map(\.call) == [.sessionLogout(user: "a", frontend: h.core.name, connection: 4)])
        #expect(!closed.contains { if case .closeStream = $0 { true } else { false } })
        #expect(h.core.openPushStreams.isEmpty)
    }

    @Test("a push stream is refused while not serving, without a session node, or with a bad token")
    func pushStreamRefused() {
        var h = FrontendHarness()
        func reason(_ actions: [FrontendCore.Action]) -> String? {
            #expect(actions.contains(.closeStream(StreamID(1))))
            return actions.compactMap { if case .sendOnStream(.pushRejected(let r), _) = $0 { r } else { nil } }.first
        }
        h.link.isServing = false
        #expect(reason(h.openPush(StreamID(1), user: "a")) == "not-serving")
        h.link = FrontendCore.Link(isServing: true)
        #expect(reason(h.openPush(StreamID(1), user: "a")) == "no-session-node")
        h.link.session = h.session
        h.core.streamOpened(StreamID(1), peer: h.client)
        let bad = h.core.streamFrame(StreamID(1), peer: h.client, .pushOpen(token: "x.y.z"), link: h.link, now: 0, seconds: 100)
        #expect(reason(bad)?.hasPrefix("bad-token") == true)
        #expect(h.core.openPushStreams.isEmpty)
    }

    @Test("a push goes out on its user's stream, the user's acknowledgement to the session node")
    func pushForwardedAndAcked() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(4), user: "a")
        let frame = PushFrame(user: "a", seq: 3, pushID: 77, body: .broadcast(text: "hi"), acceptedAt: 0, generation: 9, floor: 1)
        let delivered = h.core.backendCall(.deliver(PushDelivery(frame)), from: h.session, link: h.link)
        #expect(delivered.first == .sendOnStream(.push(frame), StreamID(4)))
        #expect(logs(delivered) == [NodeLog.pushForwarded])
        var elsewhere = frame
        elsewhere.user = "b"
        #expect(h.core.backendCall(.deliver(PushDelivery(elsewhere)), from: h.session, link: h.link).isEmpty)
        let ack = h.core.streamFrame(StreamID(4), peer: h.client, .pushAck(upTo: 3, generation: 9), link: h.link, now: 0,
                                     seconds: h.seconds)
        #expect(ack == [h.send(.ack(user: "a", upTo: 3, generation: 9), to: h.session)])
    }

    @Test("a delivery for several users is split: each one here gets their own frame on their stream; one not here is skipped")
    func deliverySplit() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(4), user: "a")
        _ = h.openPush(StreamID(6), user: "c")
        let delivery = PushDelivery(pushID: 77, body: .broadcast(text: "hi"), acceptedAt: 5, generation: 9, recipients: [
            PushRecipient(user: "a", seq: 3, floor: 2), PushRecipient(user: "b", seq: 1, floor: 1),
            PushRecipient(user: "c", seq: 8, floor: 8),
        ])
        let actions = h.core.backendCall(.deliver(delivery), from: h.session, link: h.link)
        let sent = actions.compactMap { action -> ClusterMessage? in
            if case .sendOnStream(let m, _) = action { m } else { nil }
        }
        #expect(sent == [
            .push(PushFrame(user: "a", seq: 3, pushID: 77, body: .broadcast(text: "hi"), acceptedAt: 5, generation: 9, floor: 2)),
            .push(PushFrame(user: "c", seq: 8, pushID: 77, body: .broadcast(text: "hi"), acceptedAt: 5, generation: 9, floor: 8)),
        ])
        #expect(actions.compactMap { if case .sendOnStream(_, let id) = $0 { id } else { nil } } == [StreamID(4), StreamID(6)])
        #expect(logs(actions) == [NodeLog.pushForwarded, NodeLog.pushForwarded])
    }

    @Test("a re-sync lists the push streams by user, complete up to the stream that has not said what it is (6: through 5); the timer sends it while serving")
    func resyncList() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(3), user: "bob", now: ms(1))
        _ = h.openPush(StreamID(4), user: "alice", now: ms(2))
        h.core.streamOpened(StreamID(6), peer: h.gateway)
        let list = BackendCall.sessionResync(frontend: h.core.name, entries: [
            ResyncEntry(user: "alice", connection: 4, since: ms(2)), ResyncEntry(user: "bob", connection: 3, since: ms(1)),
        ], through: 5)
        #expect(h.core.backendCall(.resyncRequest, from: h.session, link: h.link) == [h.send(list, to: h.session)])
        let timer = FrontendCore.Action.schedule(.resync, after: FrontendCore.resyncPeriod)
        #expect(h.core.fire(.resync, link: h.link, now: ms(5_000)) == [h.send(list, to: h.session), timer])
        h.link.isServing = false
        #expect(h.core.fire(.resync, link: h.link, now: ms(10_000)) == [timer])
    }

    @Test("a kick closes the user's current stream (kicked, logout); a kick of a stream already gone is confirmed")
    func kicks() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(4), user: "a")
        let logout = BackendCall.sessionLogout(user: "a", frontend: h.core.name, connection: 4)
        let kick = h.core.backendCall(.kickStream(user: "a", connection: 4, reason: "newer-login"), from: h.session, link: h.link)
        #expect(Array(kick.dropFirst()) == [h.send(logout, to: h.session), .sendOnStream(.kicked(reason: "newer-login"), StreamID(4)),
                                            .closeStream(StreamID(4))])
        let again = h.core.backendCall(.kickStream(user: "a", connection: 4, reason: "newer-login"), from: h.session, link: h.link)
        #expect(again == [h.send(logout, to: h.session)])
    }

    @Test("a gateway connection closing ends its requests' waiting calls; nothing is answered")
    func gatewayClosedFailsPending() {
        var h = FrontendHarness()
        h.core.streamOpened(StreamID(9), peer: h.gateway)
        _ = h.relayed(.kick(user: "b"), id: 1, token: h.token("a"), on: StreamID(9))
        let (key, _) = h.core.handlerCall(.kick(user: "b"), for: h.key(1), link: h.link, now: 0)
        let closed = h.core.streamClosed(StreamID(9), reason: "closed", link: h.link)
        #expect(closed == [.resume(key, .refused(.frontendUnavailable))])
        let done = h.core.handlerReturned(h.key(1), outcome: .failure(.frontendUnavailable))
        #expect(done.isEmpty)
    }

    @Test("the same user again on this frontend: the older stream is kicked and closed, the session node hears only the new login")
    func sameUserAgain() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(4), user: "a")
        let newer = h.openPush(StreamID(5), user: "a", now: ms(7))
        #expect(Array(newer.prefix(3)) == [
            .log(NodeLog.streamEnded, ["user": .text("a"), "conn": .number(4), "reason": .text("newer-login")]),
            .sendOnStream(.kicked(reason: "newer-login"), StreamID(4)), .closeStream(StreamID(4)),
        ])
        #expect(sent(newer).map(\.call) == [.sessionLogin(user: "a", frontend: h.core.name, connection: 5, since: ms(7))])
        #expect(h.core.openPushStreams.map(\.connection) == [5])
    }

    @Test("registered (again): the session node gets the streams at once; fenced: every stream closes, the session node is not told")
    func managementEvents() {
        var h = FrontendHarness()
        #expect(h.core.becameServing(link: h.link).isEmpty)
        _ = h.openPush(StreamID(4), user: "a", now: ms(3))
        let list = BackendCall.sessionResync(frontend: h.core.name, entries: [ResyncEntry(user: "a", connection: 4, since: ms(3))],
                                             through: 4)
        #expect(h.core.becameServing(link: h.link) == [h.send(list, to: h.session)])
        h.core.streamOpened(StreamID(9), peer: h.gateway)
        h.link.isServing = false
        let fenced = h.core.stopServing(link: h.link)
        #expect(sent(fenced).isEmpty)
        #expect(logs(fenced) == [NodeLog.streamEnded])
        #expect(fenced.filter { if case .closeStream = $0 { true } else { false } } == [.closeStream(StreamID(4)), .closeStream(StreamID(9))])
        #expect(h.core.openPushStreams.isEmpty && h.core.streams.isEmpty)
    }

    /// The race swarm-style sweeps found (02-login-and-push, seed 20): the session node asks for
    /// a re-sync just as stream 1 opens; the re-sync (no streams yet) and stream 1's login race
    /// to the session node, the login wins, and a watermark of 1 made the re-sync remove it: the
    /// user's pushes waited 4.5 s for the next re-sync.
    @Test("a re-sync's watermark stays below every stream still waiting for its pushOpen")
    func resyncBelowWaitingStreams() {
        var h = FrontendHarness()
        _ = h.openPush(StreamID(4), user: "a", now: ms(3))
        h.core.streamOpened(StreamID(6), peer: h.client)     // waiting for its pushOpen
        h.core.streamOpened(StreamID(9), peer: h.client)     // waiting too
        #expect(h.core.resyncThrough == 5)
        let listA = [ResyncEntry(user: "a", connection: 4, since: ms(3))]
        #expect(h.core.becameServing(link: h.link) == [h.send(.sessionResync(frontend: h.core.name, entries: listA, through: 5), to: h.session)])
        _ = h.openPush(StreamID(6), user: "b", now: ms(5))     // accepted: listed from now on
        #expect(h.core.resyncThrough == 8)
        _ = h.openPush(StreamID(9), user: "c", now: ms(6))
        #expect(h.core.resyncThrough == 9)
    }
}
