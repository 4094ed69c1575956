import NetModel
import Synchronization

/// A `Clock` over the simulator's virtual time, optionally shifted by a node's clock offset.
///
/// `sleep(until:)` parks the calling task on the simulator's event heap; the task resumes when
/// the event loop reaches the deadline. Cancelling the sleeping task wakes it at the instant of
/// cancellation with `CancellationError`, and the dead heap entry is skipped without advancing time.
/// Use it only from tasks made by `Simulator.spawn` (their executor preference keeps the
/// continuation on the simulator's executor).
package struct SimClock: Clock, @unchecked Sendable {
    package typealias Instant = VirtualInstant
    package typealias Duration = Swift.Duration

    let simulator: Simulator
    /// The node whose clock offset applies, or nil for the true virtual time.
    let node: NodeName?

    /// The clock of `node` (its offset applied), or the simulator's own time when nil.
    package init(simulator: Simulator, node: NodeName? = nil) {
        self.simulator = simulator
        self.node = node
    }

    private var offset: Int64 { node.map { simulator.clockOffset(of: $0) } ?? 0 }

    package var now: VirtualInstant {
        VirtualInstant(nanoseconds: simulator.now.nanoseconds &+ offset)
    }

    package var minimumResolution: Swift.Duration { .nanoseconds(1) }

    package func sleep(until deadline: VirtualInstant, tolerance: Swift.Duration? = nil) async throws {
        let timer = SleepTimer()
        let sim = simulator
        let trueDeadline = VirtualInstant(nanoseconds: deadline.nanoseconds &- offset)
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                if timer.install(continuation) {
                    sim.scheduleSleep(timer, at: trueDeadline)
                }
            }
        } onCancel: {
            timer.cancel()
        }
    }
}

/// One parked sleep: waiting for its continuation, then fired or cancelled, exactly once.
final class SleepTimer: Sendable {
    private enum State {
        case idle
        case waiting(UnsafeContinuation<Void, any Error>)
        case done
    }
    private let state = Mutex<State>(.idle)

    /// Stores the continuation.
    /// - Returns: false if the sleep was already cancelled (the continuation was resumed here).
    func install(_ c: UnsafeContinuation<Void, any Error>) -> Bool {
        let cancelledFirst = state.withLock { s -> Bool in
            if case .done = s { return true }
            s = .waiting(c)
            return false
        }
        if cancelledFirst { c.resume(throwing: CancellationError()) }
        return !cancelledFirst
    }

    /// Whether it can still fire.
    var isLive: Bool { state.withLock { if case .done = $0 { false } else { true } } }

    /// Wakes the sleeper normally.
    func fire() {
        if let c = take() { c.resume() }
    }

    /// Wakes the sleeper with `CancellationError`.
    func cancel() {
        let c = state.withLock { s -> UnsafeContinuation<Void, any Error>? in
            defer { s = .done }
            if case .waiting(let c) = s { return c }
            return nil
        }
        c?.resume(throwing: CancellationError())
    }

    private func take() -> UnsafeContinuation<Void, any Error>? {
        state.withLock { s in
            guard case .waiting(let c) = s else { return nil }
            s = .done
            return c
        }
    }
}
