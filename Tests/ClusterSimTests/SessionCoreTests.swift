import NetModel
@testable import Nodes
import Testing

private let fe1 = NodeName(.frontend, 1)
private let fe2 = NodeName(.frontend, 2)
private let client = NodeName(.client, 3)
private func at(_ ms: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: ms * 1_000_000) }
private let body = PushBody.message(from: "u2", text: "hi")
private func key(_ id: UInt64) -> RequestKey { RequestKey(origin: client, id: RequestKey.id(incarnation: 1, counter: id)) }

/// A core (generation 1, 30 s retention) with `u1` logged in on frontend-1, connection 5, at 0 ms.
private func makeLoggedInCore(forgetConnectionOnLogout: Bool = false) -> SessionCore {
    var core = makeSessionCore(forgetConnectionOnLogout: forgetConnectionOnLogout)
    _ = core.call(.sessionLogin(user: "u1", frontend: fe1, connection: 5, since: 0), from: fe1, link: .serving, now: at(0))
    return core
}

/// The push to `users` of request `id` (push id 100 + id), from frontend-1.
private func push(_ core: inout SessionCore, _ id: UInt64, to users: [String] = ["u1"], now: VirtualInstant,
                  link: SessionCore.Link = .serving) -> [SessionCore.Action] {
    core.call(.pushTo(users: users, pushID: 100 + id, body: body, acceptedAt: 0, request: key(id)), from: fe1, link: link, now: now)
}

extension SessionCore.Action {
    /// The action that sends `call` to `node` (the core's group id is "" in these tests).
    static func backendCall(_ call: BackendCall, to node: NodeName) -> Self { .send(.backend(group: "", call), to: node) }
}

/// The seq numbers of the deliveries among `actions`.
private func delivered(_ actions: [SessionCore.Action]) -> [UInt64] {
    var seqs: [UInt64] = []
    for case .send(.backend(_, .deliver(let delivery)), _) in actions { seqs += delivery.recipients.map(\.seq) }
    return seqs
}

/// The labels of the actions' trace records.
private func labels(_ actions: [SessionCore.Action]) -> [String] {
    actions.compactMap { if case .log(let label, _) = $0 { label } else { nil } }
}

/// The timers the actions schedule, with their delays.
private func scheduled(_ actions: [SessionCore.Action]) -> [SessionCore.Timer: Duration] {
    var out: [SessionCore.Timer: Duration] = [:]
    for case .schedule(let timer, let after) in actions { out[timer] = after }
    return out
}

@Suite("SessionCore: logins, logouts, kicks and re-syncs")
struct SessionCoreSessionTests {
    @Test("a login is acknowledged and mapped; a logout of that connection removes it")
    func loginLogout() {
        var core = makeSessionCore()
        let login = core.call(.sessionLogin(user: "u1", frontend: fe1, connection: 5, since: 0), from: fe1, link: .serving, now: at(0))
        #expect(login.first == .backendCall(.sessionLoginAck(user: "u1", connection: 5), to: fe1))
        #expect(labels(login) == [NodeLog.sessionLogin])
        #expect(core.table.route(user: "u1") == SessionEntry(frontend: fe1, connection: 5, since: at(0)))
        let logout = core.call(.sessionLogout(user: "u1", frontend: fe1, connection: 5), from: fe1, link: .serving, now: at(10))
        #expect(logout == [.log(NodeLog.sessionLogout, ["user": .text("u1"), "frontend": .name(fe1), "conn": .number(5),
                                                         "removed": .flag(true)])])
        #expect(core.entries.isEmpty)
    }

    @Test("every message the core sends carries the cluster's group id it was made with")
    func groupOnEveryMessage() {
        var core = makeSessionCore(group: "cluster-7")
        let login = core.call(.sessionLogin(user: "u1", frontend: fe1, connection: 5, since: 0), from: fe1, link: .serving, now: at(0))
        #expect(login.first == .send(.backend(group: "cluster-7", .sessionLoginAck(user: "u1", connection: 5)), to: fe1))
        let pushed = push(&core, 1, now: at(10))
        let groups = pushed.compactMap { action -> String? in if case .send(.backend(let group, _), _) = action { group } else { nil } }
        #expect(groups == ["cluster-7", "cluster-7"], "the delivery and the answer")
    }

    @Test("a stale logout (an older connection) leaves the newer session; the planted forgetConnectionOnLogout removes it")
    func staleLogout() {
        for planted in [false, true] {
            var core = makeLoggedInCore(forgetConnectionOnLogout: planted)
            _ = core.call(.sessionLogin(user: "u1", frontend: fe2, connection: 9, since: 1), from: fe2, link: .serving, now: at(5))
            _ = core.call(.sessionLogout(user: "u1", frontend: fe1, connection: 5), from: fe1, link: .serving, now: at(10))
            #expect(core.table.isOnline("u1") == !planted, "planted: \(planted)")
        }
    }

    @Test("a newer login kicks the older stream and sends the kick again every 500 ms until the logout confirms it")
    func kickUntilConfirmed() {
        var core = makeLoggedInCore()
        let login = core.call(.sessionLogin(user: "u1", frontend: fe2, connection: 9, since: 1), from: fe2, link: .serving, now: at(100))
        #expect(login.contains(.backendCall(.kickStream(user: "u1", connection: 5, reason: "newer-login"), to: fe1)))
        #expect(scheduled(login)[.kickResend] == .milliseconds(500))
        let again = core.fire(.kickResend, now: at(600))
        #expect(again == [.backendCall(.kickStream(user: "u1", connection: 5, reason: "newer-login"), to: fe1),
                          .schedule(.kickResend, after: .milliseconds(500))])
        // The logout confirms it: the timer is disarmed, nothing more is sent.
        let confirmed = core.call(.sessionLogout(user: "u1", frontend: fe1, connection: 5), from: fe1, link: .serving, now: at(700))
        #expect(confirmed.contains(.cancel(.kickResend)))
        #expect(core.kicks.count == 0)
        // A late login of the ended stream is acknowledged but does not take the session back.
        _ = core.call(.sessionLogin(user: "u1", frontend: fe1, connection: 5, since: 0), from: fe1, link: .serving, now: at(800))
        #expect(core.table.route(user: "u1")?.frontend == fe2)
    }

    @Test("a kick request is executed once: the stream is kicked, the caller told ok")
    func kickRequest() {
        var core = makeLoggedInCore()
        let actions = core.call(.kick(user: "u1", request: key(1)), from: fe2, link: .serving, now: at(50))
        #expect(actions.contains(.backendCall(.kickStream(user: "u1", connection: 5, reason: "kicked"), to: fe1)))
        #expect(actions.contains(.backendCall(.executed(request: key(1), result: .ok), to: fe2)))
    }

    @Test("becoming serving asks every frontend for its streams, again at 500 ms until answered; the re-sync maps the users")
    func resync() {
        var core = makeSessionCore()
        let config = NodeConfig(sessionNode: nil, frontends: [fe1, fe2].map { NodeConfig.Peer(name: $0, address: $0.description) })
        let serving = core.becameServing(config, now: at(0))
        #expect(serving == [.backendCall(.resyncRequest, to: fe1), .backendCall(.resyncRequest, to: fe2),
                            .schedule(.resyncAsk, after: .milliseconds(500))])
        let answer = ResyncEntry(user: "u1", connection: 5, since: 0)
        _ = core.call(.sessionResync(frontend: fe1, entries: [answer], through: 5), from: fe1, link: .serving, now: at(200))
        #expect(core.table.route(user: "u1")?.frontend == fe1)
        // Only frontend-2 is asked again.
        #expect(core.fire(.resyncAsk, now: at(500)) == [.backendCall(.resyncRequest, to: fe2),
                                                        .schedule(.resyncAsk, after: .milliseconds(500))])
        let last = core.call(.sessionResync(frontend: fe2, entries: [], through: 0), from: fe2, link: .serving, now: at(600))
        #expect(last.contains(.cancel(.resyncAsk)))
    }

    @Test("a frontend that left loses its users")
    func frontendLeft() {
        var core = makeLoggedInCore()
        let actions = core.membershipChanged(.left(fe1, epoch: 1), now: at(10))
        #expect(labels(actions) == [NodeLog.sessionDropFrontend])
        #expect(core.entries.isEmpty)
    }
}

@Suite("SessionCore: pushes delivered, acknowledged, retransmitted at their due time, expired; exactly once; held calls")
struct SessionCorePushTests {
    @Test("a push is accepted, answered, delivered to the user's frontend; the ack clears it")
    func acceptDeliverAck() {
        var core = makeLoggedInCore()
        let actions = push(&core, 1, now: at(100))
        #expect(labels(actions) == [NodeLog.requestExecuted, NodeLog.pushAccepted, NodeLog.pushHeld])
        #expect(actions.contains(.backendCall(.deliver(PushDelivery(PushFrame(user: "u1", seq: 1, pushID: 101, body: body,
                                                                           acceptedAt: at(100).nanoseconds, generation: 1,
                                                                           floor: 1))), to: fe1)))
        #expect(actions.contains(.backendCall(.executed(request: key(1), result: .accepted(pushID: 101)), to: fe1)))
        #expect(scheduled(actions) == [.retransmit: .seconds(1), .expiry: .seconds(30)])
        _ = core.call(.ack(user: "u1", upTo: 1, generation: 1), from: fe1, link: .serving, now: at(150))
        #expect(core.outbox.pendingCount == 0)
        // The retransmission timer that fires now finds nothing due and arms nothing.
        #expect(core.fire(.retransmit, now: at(1_100)).isEmpty)
        // An ack of another generation (an older session node) clears nothing.
        _ = push(&core, 2, now: at(1_200))
        _ = core.call(.ack(user: "u1", upTo: 2, generation: 7), from: fe1, link: .serving, now: at(1_250))
        #expect(core.outbox.pendingCount == 1)
    }

    @Test("a push to several users is one delivery per push frontend with each recipient's number; resends stay per user")
    func fanOutPerFrontend() {
        var core = makeLoggedInCore()
        for (user, frontend, connection) in [("u2", fe2, UInt64(7)), ("u3", fe1, 8)] {
            _ = core.call(.sessionLogin(user: user, frontend: frontend, connection: connection, since: 0), from: frontend,
                          link: .serving, now: at(0))
        }
        _ = push(&core, 1, to: ["u3"], now: at(50))   // u3's next number is 2, its floor 1
        let actions = push(&core, 2, to: ["u1", "u2", "offline", "u3"], now: at(100))
        let deliveries = actions.compactMap { action -> (PushDelivery, NodeName)? in
            if case .send(.backend(_, .deliver(let d)), let to) = action { (d, to) } else { nil }
        }
        let recipients: (String, UInt64, UInt64) -> PushRecipient = { PushRecipient(user: $0, seq: $1, floor: $2) }
        #expect(deliveries.map(\.1) == [fe1, fe2], "one delivery per frontend, in the order each first came up")
        #expect(deliveries.map(\.0) == [
            PushDelivery(pushID: 102, body: body, acceptedAt: at(100).nanoseconds, generation: 1,
                         recipients: [recipients("u1", 1, 1), recipients("u3", 2, 1)]),
            PushDelivery(pushID: 102, body: body, acceptedAt: at(100).nanoseconds, generation: 1,
                         recipients: [recipients("u2", 1, 1)]),
        ])
        #expect(labels(actions) == [NodeLog.requestExecuted] + Array(repeating: NodeLog.pushAccepted, count: 4) + [NodeLog.pushHeld])
        // Unacknowledged, each user's pushes are sent again on their own, one recipient per delivery.
        _ = core.call(.ack(user: "u1", upTo: 1, generation: 1), from: fe1, link: .serving, now: at(200))
        let again = core.fire(.retransmit, now: at(1_100))
        let resent = again.compactMap { action -> [String]? in
            if case .send(.backend(_, .deliver(let d)), _) = action { d.recipients.map { "\($0.user)#\($0.seq)" } } else { nil }
        }
        #expect(resent == [["u3#1"], ["u3#2"], ["u2#1"]], "u3 fell due first (its push 1 at 1.05 s)")
    }

    @Test("a fan-out to more users than one delivery holds on one frontend is split into deliveries of at most maxRecipients")
    func fanOutCapped() {
        var fanOut = PushFanOut()
        let count = PushFanOut.maxRecipients * 2 + 100   // 22 on frontend-2, 2,126 on frontend-1
        for i in 0..<count {
            fanOut.add(PushRecipient(user: "u\(i)", seq: 1, floor: 1), via: i % 100 == 0 ? fe2 : fe1)
        }
        #expect(fanOut.groups.map(\.frontend) == [fe2, fe1, fe1, fe1])
        #expect(fanOut.groups.allSatisfy { $0.recipients.count <= PushFanOut.maxRecipients })
        #expect(fanOut.groups.flatMap(\.recipients).count == count)
        let fe1Users = fanOut.groups.filter { $0.frontend == fe1 }.flatMap(\.recipients).map(\.user)
        #expect(fe1Users == (0..<count).filter { $0 % 100 != 0 }.map { "u\($0)" }, "in the order accepted")
    }

    @Test("a door's acks of several users in one call clear each user's pushes; one of another generation clears nothing")
    func acksInOneCall() {
        var core = makeLoggedInCore()
        _ = core.call(.sessionLogin(user: "u2", frontend: fe2, connection: 7, since: 0), from: fe2, link: .serving, now: at(0))
        _ = push(&core, 1, to: ["u1", "u2"], now: at(100))
        _ = push(&core, 2, to: ["u1", "u2"], now: at(110))
        _ = core.call(.acks([PushAck(user: "u1", upTo: 2, generation: 1), PushAck(user: "u2", upTo: 2, generation: 9)]),
                      from: fe2, link: .serving, now: at(150))
        #expect(core.outbox.pendingCount(user: "u1") == 0)
        #expect(core.outbox.pendingCount(user: "u2") == 2)
        _ = core.call(.acks([PushAck(user: "u2", upTo: 1, generation: 1)]), from: fe2, link: .serving, now: at(160))
        #expect(core.outbox.pendingCount(user: "u2") == 1)
    }

    @Test("an unacknowledged push is sent again at its due time exactly, backing off 1 s, 2 s, 4 s")
    func retransmitWithBackoff() {
        var core = makeLoggedInCore()
        _ = push(&core, 1, now: at(100))
        #expect(core.armed[.retransmit] == at(1_100))
        let first = core.fire(.retransmit, now: at(1_100))
        #expect(delivered(first) == [1])
        #expect(scheduled(first) == [.retransmit: .seconds(2)])
        #expect(delivered(core.fire(.retransmit, now: at(3_100))) == [1])
        #expect(core.armed[.retransmit] == at(7_100))
        // A second push sent meanwhile is due 1 s after it was sent: the timer moves earlier.
        let second = push(&core, 2, now: at(4_000))
        #expect(second.contains(.cancel(.retransmit)))
        #expect(scheduled(second)[.retransmit] == .seconds(1))
        #expect(delivered(core.fire(.retransmit, now: at(5_000))) == [2])
        // Push 2 is next due 2 s after its first retransmission (7 s); push 1, 4 s after its second (7.1 s).
        #expect(core.armed[.retransmit] == at(7_000))
        #expect(delivered(core.fire(.retransmit, now: at(7_000))) == [2])
        #expect(delivered(core.fire(.retransmit, now: at(7_100))) == [1])
    }

    @Test("an offline user's push is kept, sent at the next login, and given up exactly at the end of retention")
    func expiry() {
        var core = makeSessionCore()
        let accepted = push(&core, 1, now: at(100))
        #expect(delivered(accepted).isEmpty)
        #expect(scheduled(accepted) == [.expiry: .seconds(30)])
        _ = push(&core, 2, now: at(200))
        let login = core.call(.sessionLogin(user: "u1", frontend: fe1, connection: 5, since: 0), from: fe1, link: .serving, now: at(300))
        #expect(delivered(login) == [1, 2])
        _ = core.call(.ack(user: "u1", upTo: 1, generation: 1), from: fe1, link: .serving, now: at(400))
        // Push 1 was acknowledged: the timer at 30.1 s finds nothing to give up and moves to push 2's.
        #expect(core.fire(.expiry, now: at(30_100)) == [.schedule(.expiry, after: .milliseconds(100))])
        let expired = core.fire(.expiry, now: at(30_200))
        #expect(expired == [.log(NodeLog.pushExpired, ["push": .number(102), "user": .text("u1"), "seq": .number(2)])])
        #expect(core.outbox.pendingCount == 0)
    }

    @Test("a user's index entry that went stale (its earliest push acknowledged) is skipped: the timer goes to its real next expiry")
    func staleExpiryEntry() {
        var core = makeSessionCore()
        _ = push(&core, 1, to: ["u1"], now: at(100))
        _ = push(&core, 2, to: ["u2"], now: at(200))
        _ = push(&core, 3, to: ["u2"], now: at(5_000))
        _ = core.call(.ack(user: "u2", upTo: 1, generation: 1), from: fe1, link: .serving, now: at(6_000))
        // u1's push expires at 30.1 s; u2's entry says 30.2 s, but its earliest push now expires at 35 s.
        let first = core.fire(.expiry, now: at(30_100))
        #expect(labels(first) == [NodeLog.pushExpired])
        #expect(core.armed[.expiry] == at(35_000))
        let second = core.fire(.expiry, now: at(35_000))
        #expect(second == [.log(NodeLog.pushExpired, ["push": .number(103), "user": .text("u2"), "seq": .number(2)])])
        #expect(core.armed[.expiry] == nil)
    }

    @Test("a duplicated push request is executed once: the copy gets the first answer, no second delivery")
    func exactlyOnce() {
        var core = makeLoggedInCore()
        _ = push(&core, 1, now: at(100))
        let copy = push(&core, 1, now: at(120))
        #expect(copy == [.log(NodeLog.requestRepeat, ["origin": .name(client), "req": .number(key(1).id), "service": .text("MessageUser")]),
                         .backendCall(.executed(request: key(1), result: .accepted(pushID: 101)), to: fe1)])
        #expect(core.outbox.pendingCount(user: "u1") == 1)
    }

    @Test("calls that arrive while the node registers are held, in order, and run once it serves; a stopped node drops them")
    func heldWhileRegistering() {
        var core = makeLoggedInCore()
        #expect(push(&core, 1, now: at(100), link: .registering).isEmpty)
        #expect(push(&core, 2, now: at(110), link: .registering).isEmpty)
        #expect(push(&core, 3, now: at(120), link: .stopped).isEmpty)
        #expect(core.held.count == 2)
        let serving = core.becameServing(NodeConfig(sessionNode: nil, frontends: []), now: at(200))
        #expect(delivered(serving) == [1, 2])
        #expect(core.held.count == 0)
        #expect(core.outbox.pendingCount(user: "u1") == 2)
    }
}

@Suite("DeadlineQueue and DeadlineMarks: users by due instant, ties by name; each user's live entry is its mark in the outbox")
struct DeadlineQueueTests {
    @Test("entries come out by instant, then by user, whatever the insertion order (superseded copies included)")
    func order() {
        var queue = DeadlineQueue()
        let dues: [(String, Int64)] = [("c", 30), ("a", 50), ("b", 30), ("d", 10), ("a", 30), ("e", 70), ("b", 40), ("f", 20)]
        for (key, ms) in dues { queue.insert(key, at: at(ms)) }
        #expect(queue.count == 8)
        var out: [String] = []
        while let e = queue.removeFirst() { out.append("\(e.key)@\(e.due.nanoseconds / 1_000_000)") }
        #expect(out == ["d@10", "f@20", "a@30", "b@30", "c@30", "b@40", "a@50", "e@70"])
        #expect(queue.first == nil && queue.count == 0)
    }

    @Test("accepting a push lowers the user's marks in the same call and says which moved; a later instant leaves them")
    func acceptLowersMarks() {
        var outbox = PushOutbox<PushBody>()
        let first = outbox.accept(user: "u1", pushID: 1, body: body, now: at(0), sent: false,
                                  expiryMark: at(30_000), retransmitMark: at(1_000))
        #expect(first == Acceptance(seq: 1, floor: 1, expiryLowered: true, retransmitLowered: false), "not sent: no retransmission mark")
        #expect(outbox.marks(user: "u1")[.expiry] == at(30_000) && outbox.marks(user: "u1")[.retransmit] == nil)
        let second = outbox.accept(user: "u1", pushID: 2, body: body, now: at(500), sent: true,
                                   expiryMark: at(30_500), retransmitMark: at(1_500))
        #expect(second == Acceptance(seq: 2, floor: 1, expiryLowered: false, retransmitLowered: true))
        #expect(outbox.marks(user: "u1")[.expiry] == at(30_000) && outbox.marks(user: "u1")[.retransmit] == at(1_500))
        let lowered = outbox.lowerMark(.retransmit, user: "u1", to: at(1_200))
        let again = outbox.lowerMark(.retransmit, user: "u1", to: at(1_200))
        #expect(lowered && !again)
        #expect(outbox.marks(user: "u1")[.retransmit] == at(1_200))
    }

    @Test("an entry that is not the user's mark is stale; the live one is re-timed to the user's real instant, or taken out")
    func checkAgainstMarks() {
        var outbox = PushOutbox<PushBody>()
        _ = outbox.accept(user: "u1", pushID: 1, body: body, now: at(0), sent: true, expiryMark: at(30_000), retransmitMark: at(1_000))
        _ = outbox.accept(user: "u1", pushID: 2, body: body, now: at(400), sent: true, expiryMark: at(30_400), retransmitMark: at(1_400))
        let policy = SessionCore.retransmitPolicy, retention = Duration.seconds(30)
        func check(_ kind: DeadlineMarks.Kind, _ user: String, _ due: VirtualInstant, eligible: Bool = true) -> MarkCheck {
            outbox.check(kind, user: user, at: due, policy: policy, retention: retention) { eligible }
        }
        #expect(check(.expiry, "u1", at(30_400)) == .stale)
        #expect(check(.expiry, "nobody", at(30_000)) == .stale)
        // Live and really due then: nothing moves.
        #expect(check(.expiry, "u1", at(30_000)) == .live(real: at(30_000)))
        #expect(outbox.marks(user: "u1")[.expiry] == at(30_000))
        // The first push acknowledged: both entries are early; the marks move to the second push's instants.
        outbox.ack(user: "u1", upTo: 1)
        #expect(check(.expiry, "u1", at(30_000)) == .live(real: at(30_400)))
        #expect(outbox.marks(user: "u1")[.expiry] == at(30_400))
        #expect(check(.retransmit, "u1", at(1_000)) == .live(real: at(1_400)))
        #expect(check(.retransmit, "u1", at(1_000)) == .stale)
        // Not eligible (no route): the user is taken out of the index.
        #expect(check(.retransmit, "u1", at(1_400), eligible: false) == .live(real: nil))
        #expect(outbox.marks(user: "u1")[.retransmit] == nil)
    }
}

@Suite("SessionCore: a chat node's batch of pushes")
struct SessionCoreBatchTests {
    @Test("a node whose events are not recorded makes no log actions; everything else is the same")
    func unrecorded() {
        var recorded = makeLoggedInCore(), silent = makeLoggedInCore()
        silent.recordsEvents = false
        let withLogs = push(&recorded, 1, to: ["u1", "u2"], now: at(10))
        let withoutLogs = push(&silent, 1, to: ["u1", "u2"], now: at(10))
        #expect(!labels(withLogs).isEmpty)
        #expect(labels(withoutLogs).isEmpty)
        #expect(withoutLogs == withLogs.filter { if case .log = $0 { false } else { true } })
    }

    @Test("a chat node's batch: each push executed once and numbered per user; the answers go back as one batch, each door's deliveries as one, a frontend's one by one")
    func chatNodeBatch() {
        let chat = NodeName(.chat, 1), door = NodeName(.chatDoor, 1)
        var core = makeSessionCore()
        for (user, frontend, connection) in [("d1", door, UInt64(1)), ("d2", door, 2), ("f1", fe1, 3)] {
            _ = core.call(.sessionLogin(user: user, frontend: frontend, connection: connection, since: 0), from: frontend,
                          link: .serving, now: at(0))
        }
        let chatKey = { (n: UInt64) in RequestKey(origin: chat, id: RequestKey.id(incarnation: 1, counter: n)) }
        let pushes: [BackendCall] = (1...UInt64(3)).map { n in
            .pushTo(users: ["d1", "d2", "f1"], pushID: 10 + n, body: .chat(.system("line \(n)")), acceptedAt: 0, request: chatKey(n))
        }
        let actions = core.call(.batch(pushes), from: chat, link: .serving, now: at(10))
        let sends = actions.compactMap { action -> (BackendCall, NodeName)? in
            if case .send(.backend(_, let call), let to) = action { (call, to) } else { nil }
        }
        // The frontend's three deliveries one by one (its core takes no batch); the door's and the chat node's as one each.
        #expect(sends.map(\.1) == [fe1, fe1, fe1, door, chat])
        #expect(sends.last?.0 == .batch((1...UInt64(3)).map { .executed(request: chatKey($0), result: .accepted(pushID: 10 + $0)) }))
        guard case .batch(let toDoor) = sends[3].0 else {
            Issue.record("the door's deliveries are not one batch: \(sends[3].0)")
            return
        }
        let doorSeqs = toDoor.map { call -> [String] in
            guard case .deliver(let d) = call else { return [] }
            return d.recipients.map { "\($0.user)#\($0.seq)" }
        }
        #expect(doorSeqs == [["d1#1", "d2#1"], ["d1#2", "d2#2"], ["d1#3", "d2#3"]], "in order, numbered per user")
        #expect(labels(actions).filter { $0 == NodeLog.requestExecuted }.count == 3)
        // The same batch again (a resend on a new stream): executed once, answered again with the first results.
        let again = core.call(.batch(pushes), from: chat, link: .serving, now: at(20))
        #expect(delivered(again).isEmpty)
        #expect(again.contains(.backendCall(.batch((1...UInt64(3)).map { .executed(request: chatKey($0), result: .accepted(pushID: 10 + $0)) }),
                                            to: chat)))
        // A nested batch is not run.
        let nested = core.call(.batch([.batch([pushes[0]])]), from: chat, link: .serving, now: at(30))
        #expect(nested.contains(.unexpected(.batch([pushes[0]]), from: chat)))
    }
}
