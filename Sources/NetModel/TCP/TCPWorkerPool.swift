import Foundation
import Synchronization

/// What a worker hands to a node: the inbound events of `Inbound`, with payloads still encoded.
enum TCPWorkEvent: Sendable {
    case message(from: NodeName, id: UInt64, body: [UInt8])
    case streamOpened(StreamID, peer: NodeName)
    case streamMessage(StreamID, peer: NodeName, body: [UInt8])
    case streamClosed(StreamID, peer: NodeName, reason: StreamCloseReason)
}

/// What became of an inbound event handed to a node.
enum TCPDelivery: Sendable, Equatable {
    /// The handler got it.
    case delivered
    /// The payload did not decode: the connection is cut.
    case undecodable
    /// The network's gate refused the payload (e.g. a backend call from a client): dropped and logged.
    case refused(String)
}

/// One unit of work: an event for a node, from a connection (nil for events the reactor makes
/// up itself, such as a refused stream or a close after the connection died).
struct TCPWorkItem: Sendable {
    let node: TCPLocalNode
    let ticket: TCPConnectionTicket?
    let connectionToken: UInt64
    let event: TCPWorkEvent
    /// Who sent it (as the connection established).
    var peerKind: TCPPeerKind = .unauthenticated
}

/// The workers that decode payloads and call handlers. Each worker has its own queue; the
/// reactor sends all of a connection's frames to the same worker, so they are handled in order.
/// With no workers (`TCPOptions.workers` 0) the reactor's thread decodes and calls the handlers
/// itself, in the same order: for handlers that only hand the payload on (a node's mailbox), so a
/// frame costs one thread hand-off less.
///
/// Queues are bounded softly: `isOverloaded` tells the reactor to stop reading the
/// connections feeding a worker; when that worker takes its queue, `onDrained` says so.
final class TCPWorkerPool: @unchecked Sendable {
    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var items: [TCPWorkItem] = []
        var stopped = false
        var reactorWaiting = false
        let queued = Atomic<Int>(0)
        let exited = DispatchSemaphore(value: 0)
        var thread: Thread?
    }

    private let queues: [Queue]
    private let limit: Int
    private let stats: TCPStatsBox
    /// Called (on a worker thread) when a worker the reactor waited for took its queue.
    private let onDrained: @Sendable () -> Void
    /// Called (on a worker thread) when a connection's frame did not decode.
    private let onUndecodable: @Sendable (UInt64) -> Void
    /// Called (on a worker thread) with a line when the gate refused a payload.
    private let onRefused: @Sendable (String) -> Void

    init(workers: Int, limit: Int, stats: TCPStatsBox,
         onDrained: @escaping @Sendable () -> Void,
         onUndecodable: @escaping @Sendable (UInt64) -> Void,
         onRefused: @escaping @Sendable (String) -> Void = { _ in }) {
        queues = (0..<max(0, workers)).map { _ in Queue() }
        self.limit = max(1, limit)
        self.stats = stats
        self.onDrained = onDrained
        self.onUndecodable = onUndecodable
        self.onRefused = onRefused
        for (index, queue) in queues.enumerated() {
            let thread = Thread { [self] in run(queue) }
            thread.name = "tcp-worker-\(index)"
            queue.thread = thread
            thread.start()
        }
    }

    /// How many workers there are (at least 1 for the reactor's arithmetic: with no workers, one
    /// pseudo-worker that is the reactor itself).
    var count: Int { max(1, queues.count) }

    /// Queues `item` for worker `index` (with no workers: handles it now, on the caller's thread).
    func enqueue(_ item: TCPWorkItem, to index: Int) {
        if queues.isEmpty { return handle(item) }
        let queue = queues[index]
        queue.condition.lock()
        let wasEmpty = queue.items.isEmpty
        queue.items.append(item)
        queue.queued.store(queue.items.count, ordering: .relaxed)
        if wasEmpty { queue.condition.signal() }
        queue.condition.unlock()
    }

    /// Whether worker `index` has more queued than the limit. When true, the worker will call
    /// `onDrained` after it next takes its queue.
    func isOverloaded(_ index: Int) -> Bool {
        guard !queues.isEmpty else { return false }
        let queue = queues[index]
        guard queue.queued.load(ordering: .relaxed) >= limit else { return false }
        queue.condition.lock()
        defer { queue.condition.unlock() }
        guard queue.items.count >= limit else { return false }
        queue.reactorWaiting = true
        return true
    }

    /// Stops every worker (queued work is dropped) and waits for them to exit (all but the
    /// calling thread, when a handler itself stops the pool).
    func stop() {
        for queue in queues {
            queue.condition.lock()
            queue.stopped = true
            queue.condition.signal()
            queue.condition.unlock()
        }
        for queue in queues where queue.thread !== Thread.current { queue.exited.wait() }
    }

    private func run(_ queue: Queue) {
        var batch: [TCPWorkItem] = []
        while true {
            queue.condition.lock()
            while queue.items.isEmpty && !queue.stopped { queue.condition.wait() }
            if queue.stopped {
                queue.condition.unlock()
                break
            }
            swap(&batch, &queue.items)
            queue.queued.store(0, ordering: .relaxed)
            let wake = queue.reactorWaiting
            queue.reactorWaiting = false
            queue.condition.unlock()
            if wake { onDrained() }
            for item in batch { handle(item) }
            batch.removeAll(keepingCapacity: true)
        }
        queue.exited.signal()
    }

    private func handle(_ item: TCPWorkItem) {
        guard !item.node.isDetached else { return }
        if let ticket = item.ticket, ticket.isPoisoned { return }
        switch item.node.deliver(item.event, item.peerKind) {
        case .delivered:
            break
        case .undecodable:
            stats.drop("undecodable")
            item.ticket?.poison()
            onUndecodable(item.connectionToken)
        case .refused(let reason):
            stats.drop("refused")
            onRefused("tcp: \(item.node.name) refuses a message: \(reason)")
        }
    }
}
