import Testing
import NetModel
import Nodes
@testable import ClusterSim

@Suite("backend-auth and client-auth checkers")
struct ChecksAuthTests {
    static let attacker = Fx.cl(9)

    /// client-9 sends a wrong-group Kick (message 50) at 1s; frontend-2 runs a right-group call.
    func wrongGroupAttack(_ t: inout TraceBuilder) {
        t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 50])
        t.log(.seconds(2), Fx.fe(2), NodeLog.backendExecuted, ["call": "SessionLogin", "from": "frontend-1"])
    }

    @Test("a refused wrong-group call passes")
    func backendPasses() {
        var t = TraceBuilder()
        wrongGroupAttack(&t)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "evil"])
        let result = BackendAuthChecker().check(makeRun(t.events))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "wrong-group attacks 1, rejected 1; exceptions: none")
    }

    @Test("a wrong-group call executed fails")
    func wrongGroupExecuted() {
        var t = TraceBuilder()
        wrongGroupAttack(&t)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.backendExecuted, ["call": "Kick", "from": "client-9"])
        let result = BackendAuthChecker().check(makeRun(t.events))
        #expect(!result.passed)
        #expect(result.detail.contains("frontend-1 executed Kick from attacker client-9 at 1.010s"))
        #expect(result.detail.contains("wrong-group attack 50 by client-9 at 1.000s never rejected"))
    }

    @Test("a right-group call rejected fails; the group id is a parameter")
    func rightGroupRejected() {
        var t = TraceBuilder()
        t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 50])
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "k2svc"])
        #expect(!BackendAuthChecker().check(makeRun(t.events)).passed, "k2svc is the default cluster's own group")
        #expect(BackendAuthChecker(groupID: "prod").check(makeRun(t.events)).passed)
        t.log(.seconds(2), Fx.fe(1), NodeLog.backendExecuted, ["call": "Ack", "from": "session-1", "group": "k2svc"])
        #expect(!BackendAuthChecker(groupID: "prod").check(makeRun(t.events)).passed)
    }

    @Test("a rejection whose sender sent no wrong-group attack before it fails: the pass of 'every attack answered' would be vacuous")
    func unexplainedRejection() {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "evil"])
        let alone = BackendAuthChecker().check(makeRun(t.events))
        #expect(!alone.passed)
        #expect(alone.detail.contains("frontend-1 rejected Kick from client-9, which sent no wrong-group attack before it, at 1.000s"))
        var late = t
        late.log(.seconds(2), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 50])
        late.log(.milliseconds(2_010), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "evil"])
        #expect(!BackendAuthChecker().check(makeRun(late.events)).passed, "an attack after the rejection does not explain it")
        var other = TraceBuilder()
        other.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 50])
        other.log(.milliseconds(1_010), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "evil"])
        other.log(.milliseconds(1_020), Fx.fe(1), NodeLog.backendRejected, ["call": "Ack", "from": "session-1", "group": "evil"])
        #expect(!BackendAuthChecker().check(makeRun(other.events)).passed, "another node's rejection is not the attacker's")
    }

    @Test("an unanswered attack fails unless the network dropped it")
    func unansweredAttack() {
        var t = TraceBuilder()
        wrongGroupAttack(&t)
        #expect(!BackendAuthChecker().check(makeRun(t.events)).passed)
        t.net(.seconds(1), .drop, Self.attacker, peer: Fx.fe(1), id: 50, label: "Kick", detail: "loss")
        let result = BackendAuthChecker().check(makeRun(t.events))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail.hasSuffix("attack-dropped=1"))
    }

    @Test("one rejection answers one attack")
    func rejectionsAreCounted() {
        var t = TraceBuilder()
        t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 50])
        t.log(.seconds(2), Self.attacker, NodeLog.attackSent, ["kind": "wrong-group", "id": 51])
        t.log(.seconds(3), Fx.fe(1), NodeLog.backendRejected, ["call": "Kick", "from": "client-9", "group": "evil"])
        let result = BackendAuthChecker().check(makeRun(t.events))
        #expect(!result.passed)
        #expect(result.detail.contains("attack 51 by client-9"))
    }

    /// client-9 sends a forged-token request for `service` (message 60) at 1s.
    func tokenAttack(_ t: inout TraceBuilder, service: String? = "State", kind: String = "forged-token") {
        if let service {
            t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": kind, "id": 60, "service": service])
        } else {
            t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": kind, "id": 60])
        }
    }

    @Test("a token attack refused for its token passes", arguments: ["forged-token", "expired-token"])
    func clientPasses(_ kind: String) {
        var t = TraceBuilder()
        t.log(.milliseconds(500), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "State", "user": "u9"])
        tokenAttack(&t, kind: kind)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.requestRejected, ["client": "client-9", "service": "State", "reason": "bad-token"])
        t.log(.seconds(2), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "MessageUser", "user": "u9"])
        let result = ClientAuthChecker().check(makeRun(t.events))
        #expect(result.passed, "\(result.detail)")
        #expect(result.detail == "token attacks 1, token rejections 1; exceptions: none")
    }

    @Test("a rejection for another reason does not answer a token attack")
    func wrongReason() {
        var t = TraceBuilder()
        tokenAttack(&t)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.requestRejected, ["client": "client-9", "service": "State", "reason": "not-serving"])
        let result = ClientAuthChecker().check(makeRun(t.events))
        #expect(!result.passed)
        #expect(result.detail.contains("forged-token attack 60 by client-9 at 1.000s never rejected"))
    }

    @Test("a token attack a frontend refused as not-serving (before its token) is not judged, even when the refusal is lost",
          arguments: ["not-serving", "bad-request:late"])
    func refusedBeforeItsToken(_ reason: String) {
        var t = TraceBuilder()
        t.log(.seconds(1), Self.attacker, NodeLog.attackSent, ["kind": "expired-token", "id": 60, "service": "Broadcast", "req": 5])
        t.log(.milliseconds(1_010), Fx.fe(3), NodeLog.requestRejected,
              ["client": "client-9", "service": "Broadcast", "reason": reason, "req": 5])
        let result = ClientAuthChecker().check(makeRun(t.events))
        if reason == "not-serving" {
            #expect(result.passed, "\(result.detail)")
            #expect(result.detail == "token attacks 1, token rejections 0; exceptions: attack-undelivered=1")
        } else {
            #expect(!result.passed, "a refusal for a reason judged after the token excused the attack: \(result.detail)")
        }
    }

    @Test("the attacked service served to the attacker fails")
    func servedAfterAttack() {
        var t = TraceBuilder()
        tokenAttack(&t)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "State", "user": "u9"])
        let result = ClientAuthChecker().check(makeRun(t.events))
        #expect(!result.passed)
        #expect(result.detail.contains("frontend-1 served State to client-9 at 1.010s after a token attack"))
    }

    @Test("an attack naming no service uses the configured attack service")
    func configuredService() {
        var t = TraceBuilder()
        tokenAttack(&t, service: nil)
        t.log(.milliseconds(1_010), Fx.fe(1), NodeLog.requestRejected, ["client": "client-9", "service": "State", "reason": "expired-token"])
        t.log(.seconds(2), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "State", "user": "u9"])
        #expect(ClientAuthChecker().check(makeRun(t.events)).passed)
        #expect(!ClientAuthChecker(attackService: "State").check(makeRun(t.events)).passed)
        #expect(!Checkers.make(.clientAuth, options: CheckOptions(attackService: "State")).check(makeRun(t.events)).passed)
    }
}
