import Foundation
import NetModel
import Nodes

/// The pushes the session node accepted that no client has received yet (and that did not
/// expire), fed by the run's trace tap; a waiter is woken by each event that lands one.
package final class PushesInFlight: @unchecked Sendable {
    private struct Key: Hashable {
        let push: UInt64
        let user: String
    }
    private let condition = NSCondition()
    private var pending: Set<Key> = []
    private var landed: Set<Key> = []

    /// An empty tracker.
    package init() {}

    /// Takes a trace event (under the trace's lock: short).
    package func see(_ event: TraceEvent) {
        guard event.kind == .node,
              [NodeLog.pushAccepted, NodeLog.pushReceived, NodeLog.pushExpired].contains(event.label),
              let push = event.fields.number("push"), let user = event.fields.text("user") else { return }
        let key = Key(push: push, user: user)
        condition.lock()
        defer { condition.unlock() }
        if event.label == NodeLog.pushAccepted {
            if !landed.contains(key) { pending.insert(key) }
        } else {
            landed.insert(key)
            if pending.remove(key) != nil { condition.broadcast() }
        }
    }

    /// How many accepted pushes no client has received yet (and that did not expire).
    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// Waits up to `seconds` of real time until every accepted push has been received or expired.
    /// - Returns: whether none is in flight.
    package func waitUntilLanded(within seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty {
            guard condition.wait(until: deadline) else { return pending.isEmpty }
        }
        return true
    }
}
