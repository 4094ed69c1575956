@testable import Nodes
import NetModel
import Testing

/// `PendingKicks` (a dictionary and a queue by send time) against the plain list it replaced:
/// the same kicks due, in the same order, at the same instants, whatever the mix of kicks,
/// replacements, confirmations and frontends leaving.
@Suite("Pending kicks against a plain list")
struct PendingKicksTests {
    /// The list it replaced: every operation scans every kick.
    struct Reference {
        var kicks: [PendingKicks.Kick] = []
        mutating func add(_ k: PendingKicks.Kick) {
            kicks.removeAll { $0.user == k.user && $0.frontend == k.frontend && $0.connection == k.connection }
            kicks.append(k)
        }
        mutating func confirm(user: String, frontend: NodeName, connection: UInt64) {
            kicks.removeAll { $0.user == user && $0.frontend == frontend && $0.connection == connection }
        }
        mutating func forget(frontend: NodeName) { kicks.removeAll { $0.frontend == frontend } }
        func nextDue(after: Duration) -> VirtualInstant? { kicks.map(\.sentAt).min()?.advanced(by: after) }
        mutating func takeDue(now: VirtualInstant, after: Duration) -> [PendingKicks.Kick] {
            var due: [PendingKicks.Kick] = []
            for i in kicks.indices where kicks[i].sentAt <= now.advanced(by: .zero - after) {
                kicks[i].sentAt = now
                due.append(kicks[i])
            }
            return due
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func sameAsAPlainList(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var kicks = PendingKicks(), reference = Reference()
        var now = VirtualInstant.zero
        let after = Duration.milliseconds(500)
        for _ in 0..<4_000 {
            let user = "u\(random.next() % 12)", frontend = NodeName(.frontend, Int(random.next() % 3) + 1)
            let connection = random.next() % 3
            switch random.next() % 10 {
            case 0, 1, 2:
                let reason = random.next() % 2 == 0 ? "newer-login" : "kicked"
                kicks.add(user: user, frontend: frontend, connection: connection, reason: reason, at: now)
                reference.add(.init(user: user, frontend: frontend, connection: connection, reason: reason, sentAt: now))
            case 3, 4:
                kicks.confirm(user: user, frontend: frontend, connection: connection)
                reference.confirm(user: user, frontend: frontend, connection: connection)
            case 5:
                if random.next() % 8 == 0 {
                    kicks.forget(frontend: frontend)
                    reference.forget(frontend: frontend)
                }
            case 6:
                // The timer fires when the earliest kick is due, as the session node arms it.
                if let due = reference.nextDue(after: after), due > now { now = due }
                #expect(kicks.takeDue(now: now, after: after) == reference.takeDue(now: now, after: after))
            default:
                now = now.advanced(by: .milliseconds(Int64(random.next() % 300)))
                #expect(kicks.takeDue(now: now, after: after) == reference.takeDue(now: now, after: after))
            }
            #expect(kicks.count == reference.kicks.count)
            #expect(kicks.nextDue(after: after) == reference.nextDue(after: after))
        }
    }
}
