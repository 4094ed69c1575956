import NetModel
@testable import Nodes
import Testing

private let frontend1 = NodeName(.frontend, 1)
private let frontend2 = NodeName(.frontend, 2)
private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }

/// A plan for client 1 of two users, with two frontends, no gateway and no workload loops.
private func makePlan(chatRoom: String? = nil) -> ClientPlan {
    ClientPlan(user: "u1", users: ["u1", "u2"], frontends: [frontend1, frontend2], gateway: nil, requestRate: 0,
               pushRate: 0, chatRoom: chatRoom, createsRoom: false, chatRate: 0, duplicateLoginAfter: nil)
}

private func requestID(_ counter: UInt64) -> UInt64 { RequestKey.id(incarnation: 1, counter: counter) }

private func login(_ counter: UInt64) -> ClientRequest {
    ClientRequest(requestID: requestID(counter), token: "", call: ClientService.login(user: "u1", password: "pw-u1").call,
                  origin: NodeName(.client, 1))
}

private let token = TokenSigner(secret: Array("k2svc-secret".utf8)).sign(TokenClaims(sub: "u1", iat: 0, exp: 600))

private func reply(_ counter: UInt64, _ result: ClientResult) -> Inbound<ClusterMessage> {
    reply(id: requestID(counter), result)
}

private func reply(id: UInt64, _ result: ClientResult) -> Inbound<ClusterMessage> {
    .message(Envelope(source: frontend1, destination: NodeName(.client, 1), id: 9,
                      payload: .reply(ClientReply(requestID: id, result: result))))
}

/// A core logged in and connected on stream s7 to frontend-1.
private func makeConnectedCore() -> ClientCore {
    var core = makeClientCore(plan: makePlan())
    _ = core.start(now: at(0))
    _ = core.receive(reply(1, .token(token)), now: at(10))
    _ = core.streamOpening(StreamID(7), to: frontend1, now: at(10))
    _ = core.receive(.streamMessage(StreamID(7), peer: frontend1, .pushOpened(token: token)), now: at(20))
    return core
}

private func frame(seq: UInt64, pushID: UInt64, generation: UInt64 = 1) -> PushFrame {
    PushFrame(user: "u1", seq: seq, pushID: pushID, body: .message(from: "u2", text: "hi"), acceptedAt: 0,
              generation: generation, floor: 1)
}

/// A test's setup that did not happen.
private struct Failure: Error, CustomStringConvertible { let description: String }

@Suite("ClientCore: login, the push stream and back-off as actions")
struct ClientCoreLoginTests {
    @Test("start sends a login to the first frontend and schedules its 2 s timeout")
    func startLogsIn() {
        var core = makeClientCore(plan: makePlan())
        let actions = core.start(now: at(0))
        #expect(actions == [.send(.request(login(1)), to: frontend1),
                            .schedule(.loginTimeout(requestID: requestID(1)), after: .seconds(2))])
        #expect(core.phase == .loggingIn(requestID: requestID(1)))
    }

    @Test("an unanswered login is asked again at once, on the next frontend; a stale timeout does nothing")
    func loginTimeout() {
        var core = makeClientCore(plan: makePlan())
        _ = core.start(now: at(0))
        let again = core.fire(.loginTimeout(requestID: requestID(1)), now: at(2_000))
        #expect(again == [.send(.request(login(2)), to: frontend2),
                          .schedule(.loginTimeout(requestID: requestID(2)), after: .seconds(2))])
        #expect(core.fire(.loginTimeout(requestID: requestID(1)), now: at(2_500)).isEmpty)
    }

    @Test("a plan is a value: a changed copy leaves the other as it was")
    func planIsAValue() {
        let plan = makePlan(chatRoom: "r")
        var changed = plan
        changed.frontends = [frontend2]
        changed.attackRate = 0.5
        changed.loadEndsAt = 7
        #expect(plan.frontends == [frontend1, frontend2] && plan.attackRate == 0 && plan.loadEndsAt == .max)
        #expect(changed.frontends == [frontend2] && changed.attackRate == 0.5 && changed.loadEndsAt == 7)
        #expect(changed.user == "u1" && changed.chatRoom == "r" && changed.users == ["u1", "u2"])
    }

    @Test("a client with no request in flight holds no storage for requests")
    func noStorageBetweenRequests() {
        var core = makeClientCore(plan: makePlan())
        _ = core.start(now: at(0))
        #expect(core.pending.count == 1)
        _ = core.receive(reply(1, .token(token)), now: at(10))
        #expect(core.pending.isEmpty && !core.pending.holdsStorage && !core.readRetries.holdsStorage)
    }

    @Test("a token opens the stream; pushOpened connects and logs it")
    func tokenOpensStream() {
        var core = makeClientCore(plan: makePlan())
        _ = core.start(now: at(0))
        let onToken = core.receive(reply(1, .token(token)), now: at(10))
        #expect(onToken.contains(.schedule(.tokenRefreshDue(token: token), after: .milliseconds(600 * 800))))
        #expect(onToken.last == .openStream(to: frontend1))
        let opening = core.streamOpening(StreamID(7), to: frontend1, now: at(10))
        #expect(opening == [.sendOnStream(.pushOpen(token: token), StreamID(7)),
                            .schedule(.openTimeout(StreamID(7)), after: .seconds(2))])
        let opened = core.receive(.streamMessage(StreamID(7), peer: frontend1, .pushOpened(token: token)), now: at(20))
        #expect(core.isConnected)
        #expect(core.pushFrontend == frontend1)
        #expect(opened.contains(.log(NodeLog.clientConnected, ["frontend": .name(frontend1), "conn": .number(7)])))
        #expect(core.fire(.openTimeout(StreamID(7)), now: at(2_010)).isEmpty, "an accepted stream has no timeout")
    }

    @Test("a lost stream logs the disconnect and backs off with equal jitter: half to all of 200 ms")
    func lostStreamBacksOff() throws {
        var core = makeConnectedCore()
        let actions = core.receive(.streamClosed(StreamID(7), peer: frontend1, reason: .peerCrashed), now: at(1_000))
        #expect(actions.first == .log(NodeLog.clientDisconnected, ["frontend": .name(frontend1), "reason": .text("peer-crashed")]))
        guard case .schedule(.backoffEnded, let delay) = try #require(actions.last) else {
            Issue.record("no back-off timer: \(actions)")
            return
        }
        #expect(delay >= .milliseconds(100) && delay <= .milliseconds(200))
        #expect(core.phase == .waiting)
        let relogin = core.fire(.backoffEnded, now: at(1_200))
        #expect(relogin.first == .send(.request(login(2)), to: frontend2), "the next login goes to the next frontend")
    }

    @Test("a stream not accepted in 2 s is closed and the client backs off")
    func openTimeout() {
        var core = makeClientCore(plan: makePlan())
        _ = core.start(now: at(0))
        _ = core.receive(reply(1, .token(token)), now: at(10))
        _ = core.streamOpening(StreamID(7), to: frontend1, now: at(10))
        let actions = core.fire(.openTimeout(StreamID(7)), now: at(2_010))
        #expect(actions.first == .closeStream(StreamID(7)))
        #expect(core.phase == .waiting)
    }
}

@Suite("ClientCore: pushes and request retries")
struct ClientCoreDeliveryTests {
    @Test("a push is delivered and acknowledged; the same push again is a duplicate, acknowledged again")
    func duplicatePush() {
        var core = makeConnectedCore()
        let first = core.receive(.streamMessage(StreamID(7), peer: frontend1, .push(frame(seq: 1, pushID: 40))), now: at(30))
        #expect(first.count == 2)
        #expect(first.last == .sendOnStream(.pushAck(upTo: 1, generation: 1), StreamID(7)))
        let again = core.receive(.streamMessage(StreamID(7), peer: frontend1, .push(frame(seq: 1, pushID: 40))), now: at(40))
        #expect(again == [.log(NodeLog.pushDuplicate, ["push": .number(40), "seq": .number(1)]),
                          .sendOnStream(.pushAck(upTo: 1, generation: 1), StreamID(7))])
    }

    @Test("a push sent again under a restarted outbox's generation is not delivered twice")
    func repeatedPushID() {
        var core = makeConnectedCore()
        _ = core.receive(.streamMessage(StreamID(7), peer: frontend1, .push(frame(seq: 1, pushID: 40))), now: at(30))
        let resent = core.receive(.streamMessage(StreamID(7), peer: frontend1, .push(frame(seq: 1, pushID: 40, generation: 2))),
                                  now: at(40))
        #expect(resent == [.log(NodeLog.pushRepeat, ["push": .number(40), "seq": .number(1), "gen": .number(2)]),
                           .sendOnStream(.pushAck(upTo: 1, generation: 2), StreamID(7))])
    }

    /// The message loop's write sent at 50 ms to frontend-1: the actions and the request.
    func sendMessage(_ core: inout ClientCore) throws -> (actions: [ClientCore.Action], request: ClientRequest) {
        let sent = core.fire(.loop(.messages, rate: 1), now: at(50))
        guard case .send(.request(let message), to: frontend1) = try #require(sent.first) else {
            throw Failure(description: "no message sent: \(sent)")
        }
        return (sent, message)
    }

    @Test("a write refused retryably is sent again under the same id 500 ms later")
    func retryableRefusal() throws {
        var core = makeConnectedCore()
        let (sent, message) = try sendMessage(&core)
        let id = message.requestID
        #expect(sent.contains(.schedule(.requestTimeout(requestID: id, attempt: 0), after: .seconds(1))))
        let refused = core.receive(reply(id: id, .refused(.sessionUnavailable)), now: at(100))
        #expect(refused.first == .schedule(.refusalRetry(requestID: id, attempt: 1), after: .milliseconds(500)))
        let resent = core.fire(.refusalRetry(requestID: id, attempt: 1), now: at(600))
        #expect(resent.first == .send(.request(message), to: frontend1), "the same request, under the same id")
        #expect(core.fire(.requestTimeout(requestID: id, attempt: 0), now: at(1_050)).isEmpty, "an earlier send's timeout is stale")
    }

    @Test("a write refused for its token logs in again and is sent again under the same id with the new token")
    func refusedForItsToken() throws {
        var core = makeConnectedCore()
        let message = try sendMessage(&core).request
        let id = message.requestID
        let refused = core.receive(reply(id: id, .refused(.expiredToken)), now: at(100))
        let login = refused.compactMap { action -> ClientRequest? in
            if case .send(.request(let r), _) = action, r.call.service == "Login" { r } else { nil }
        }
        #expect(login.count == 1, "no login to renew the token: \(refused)")
        #expect(refused.contains(.schedule(.refusalRetry(requestID: id, attempt: 1), after: .milliseconds(500))),
                "the refused write was dropped: \(refused)")
        let fresh = "fresh-token"
        _ = core.receive(reply(id: try #require(login.first).requestID, .token(fresh)), now: at(300))
        let resent = core.fire(.refusalRetry(requestID: id, attempt: 1), now: at(600))
        guard case .send(.request(let again), to: _) = try #require(resent.first) else {
            Issue.record("not sent again: \(resent)")
            return
        }
        #expect(again.requestID == id && again.token == fresh && again.call == message.call)
    }

    @Test("a pending request keeps only its service (56 bytes inline): its call and trace label are made again, the same as the first send's")
    func pendingRequestSlot() {
        let services: [ClientService] = [.state, .login(user: "u1", password: "p"), .message(to: "u2", text: "hi"),
                                         .broadcast(text: "all"), .kick(user: "u2"), .isOnline(user: "u2"),
                                         .chat(.say(text: "x", messageID: 3)),
                                         .custom(ServiceCall(service: "Inventory.Add", payload: .encoded([1, 2])))]
        for service in services {
            let pending = ClientCore.PendingRequest(service: service, attack: false, retriesLeft: 1)
            #expect(pending.label == service.call.service && pending.call == service.call, "\(service)")
        }
        #expect(MemoryLayout<ClientCore.PendingRequest>.size <= 64, "\(MemoryLayout<ClientCore.PendingRequest>.size) bytes")
    }
}
