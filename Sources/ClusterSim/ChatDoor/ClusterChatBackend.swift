import Foundation
import NetModel
import Nodes
import Synchronization

/// A `ChatBackend` whose rooms live on a cluster's chat node: the chat server becomes a chat
/// front door of the cluster (`ChatDoorNode`), so several chat servers attached to one cluster
/// share their rooms.
///
/// The door node runs in this process on the real runtime (one executor thread, one timer
/// thread) over its own TCP network; it registers with the management node at `management` and
/// learns the session and chat nodes from it. The chat server's calls come from its event-loop
/// threads: each is posted to the node's mailbox (per-node FIFO, so one connection's commands
/// keep their order) and returns at once; nothing blocks a loop on the network. The effects come
/// back asynchronously and go to the server through `attach(to:)`.
package final class ClusterChatBackend: ChatBackend, @unchecked Sendable {
    /// The door's node name (`chat-door-N`).
    package let name: NodeName
    /// The address the door listens on and registers with.
    package let address: SocketAddress
    private let fabric: TCPFabric
    private let runtime: RealRuntime
    private let host: RealNode
    private let door: ChatDoorNode
    private let outlet = DoorOutlet()
    private let stopped = Atomic<Bool>(false)
    /// Client commands posted to the door and not yet handled by it.
    private let backlog = Atomic<Int>(0)
    /// The server's calls waiting for the door, in order: the door takes all of them in one turn
    /// of its mailbox (one post per burst, its commands in one message to the chat node).
    private let queue = Mutex<[ChatDoorCall]>([])
    /// The most client commands that may wait for the door at once; beyond it a command is
    /// refused with `ChatText.busy` (a client flooding a slow cluster must not grow the
    /// process's memory without bound). Connects and disconnects are never refused.
    package let backlogLimit: Int

    /// Starts the door node and its registration; returns at once (see `waitUntilReady`).
    /// - Parameters:
    ///   - name: the door's node name; every door of one cluster needs its own.
    ///   - management: where the cluster's management node listens.
    ///   - listen: where the door listens (port 0: a free one).
    ///   - settings: the cluster's settings (group id, version, ping timing).
    ///   - seed: the seed of the node's random stream (its user-name tag); vary it per start.
    ///   - backlogLimit: the most client commands waiting for the door at once (see `backlogLimit`).
    ///   - log: where the door's notable events go as lines (registered, fenced, refused).
    /// - Throws: `ChatDoorError` when the name is not a door's or its network cannot be set up.
    package init(name: NodeName, management: SocketAddress, listen: SocketAddress = SocketAddress(host: "127.0.0.1", port: 0),
                settings: ClusterSettings = ClusterSettings(), seed: UInt64, backlogLimit: Int = 10_000,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws(ChatDoorError) {
        guard name.role == .chatDoor else { throw .badName(name.description) }
        self.name = name
        self.backlogLimit = backlogLimit
        runtime = RealRuntime(seed: seed, executorCount: 1, trace: .nothing, tap: Self.logTap(log))   // only the log tap reads it
        do {
            var options = TCPOptions()
            options.workers = 0   // the door's handler only queues on its executor (RealNodeProcess)
            fabric = try TCPFabric(host: listen.host, options: options, secret: ClusterSecret.fromEnvironmentOrDefault(),
                                   groupID: settings.groupID)
        } catch {
            runtime.shutdown()
            throw .network("\(error)")
        }
        fabric.network.directory.set(management, for: .management)
        fabric.setPort(listen.port, for: name)
        let outlet = self.outlet
        let made = Mutex<ChatDoorNode?>(nil)
        host = RealNode(name, plan: nil, settings: settings, incarnation: 1, runtime: runtime) { env in
            let node = ChatDoorNode(env: env, sink: { outlet.send($0) }, readiness: { outlet.setReady($0) })
            made.withLock { $0 = node }
            return node
        }
        let observe = RealNodeProcess.addressLearner(for: name, directory: fabric.network.directory)
        do {
            try host.attach(to: fabric, listens: true, observe: observe)
            address = try SocketAddress(parsing: host.env.advertisedAddress)
        } catch {
            fabric.shutdown()
            runtime.shutdown()
            throw .network("\(name) on \(listen): \(error)")
        }
        door = made.withLock { $0! }
    }

    /// Sends the door's effects to `server` (call before `server.start()`).
    package func attach(to server: ChatServer) {
        outlet.target.withLock { $0 = EffectTarget { [weak server] effects in server?.deliver(effects) } }
    }

    /// Sends the door's effects to `deliver` instead (tests).
    package func attach(_ deliver: @escaping @Sendable ([ChatEffect]) -> Void) {
        outlet.target.withLock { $0 = EffectTarget(deliver) }
    }

    /// Whether the door is registered and knows a session and a chat node.
    package var isReady: Bool { outlet.isReady }

    /// Waits until the door is ready, at most `timeout` (woken by the door, not polling).
    /// - Returns: whether it became ready in time.
    package func waitUntilReady(within timeout: Duration) -> Bool { outlet.waitUntilReady(within: timeout) }

    // MARK: - ChatBackend

    /// Posts the connection to the door (its `SessionLogin` and `connect`); no effects now.
    package func connect(_ member: ChatMemberID, name: String, deliver: ([ChatEffect]) -> Void) {
        enqueue(.open(member, name: name))
    }

    /// Posts the message to the door; its effects come later through `attach(to:)`. When
    /// `backlogLimit` commands already wait, the member gets `ChatText.busy` at once
    /// instead and the command is dropped.
    package func handle(_ message: ChatClientMessage, from member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        guard backlog.add(1, ordering: .acquiringAndReleasing).newValue <= backlogLimit else {
            backlog.subtract(1, ordering: .acquiringAndReleasing)
            return deliver([.system(to: member, text: ChatText.busy)])
        }
        enqueue(.message(message, from: member))
    }

    /// Client commands posted to the door and not handled yet.
    package var pendingCommands: Int { backlog.load(ordering: .acquiring) }

    /// Posts the close to the door (the chat node tells the room's other members).
    package func disconnect(_ member: ChatMemberID, deliver: ([ChatEffect]) -> Void) {
        enqueue(.close(member))
    }

    // MARK: - Stopping

    /// A clean stop: the door disconnects every member (the others in their rooms get the leave
    /// notices), unregisters, and every socket and thread of the door is closed and joined.
    /// Idempotent.
    package func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        host.shutDownNode()
        // Give the disconnects and the unregister a moment to leave before the sockets close.
        usleepDuration(.milliseconds(100))
        tearDown()
    }

    /// An abrupt stop, as if the process died: nothing is said to the cluster, which removes the
    /// door after its ping timeout (its members then leave their rooms). Idempotent.
    package func kill() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        tearDown()
    }

    private func tearDown() {
        host.crash()
        fabric.shutdown()
        runtime.shutdown()
        outlet.target.withLock { $0 = nil }
        outlet.setReady(false)
    }

    // MARK: - Helpers

    /// Queues `call` for the door; the first call of a burst posts the turn that takes them all
    /// (per-node FIFO: the calls keep the server's order).
    private func enqueue(_ call: ChatDoorCall) {
        guard queue.withLock({ waiting in
            waiting.append(call)
            return waiting.count == 1
        }) else { return }
        let door = self.door
        host.env.mailbox.post { [self] in
            let calls = queue.withLock { waiting in
                defer { waiting = [] }
                return waiting
            }
            let commands = calls.count { if case .message = $0 { true } else { false } }
            backlog.subtract(commands, ordering: .acquiringAndReleasing)
            door.assumeIsolated { $0.take(calls) }
        }
    }

    /// Turns the door's notable trace events into log lines.
    private static func logTap(_ log: @escaping @Sendable (String) -> Void) -> @Sendable (TraceEvent) -> Void {
        { event in
            guard event.kind == .node else { return }
            switch event.label {
            case NodeLog.registered, NodeLog.fenced, NodeLog.registerRejected, NodeLog.chatDoorRefused:
                log("chat-door: \(event.node.map(\.description) ?? "-") \(event.label) \(event.detail)")
            default:
                break
            }
        }
    }
}

/// What the door node hands out of its executor: its effects (to the attached server) and its
/// readiness (to whoever waits for it).
final class DoorOutlet: @unchecked Sendable {
    /// A class, not the closure itself: a closure read out of a `Mutex` through its generic
    /// `inout` gets wrapped in one more reabstraction thunk at each access, until the stack
    /// overflows (seen under `bench chat --cluster`).
    let target = Mutex<EffectTarget?>(nil)
    private let ready = Atomic<Bool>(false)
    private let condition = NSCondition()

    var isReady: Bool { ready.load(ordering: .acquiring) }

    func send(_ effects: [ChatEffect]) { target.withLock { $0 }?.deliver(effects) }

    func setReady(_ now: Bool) {
        condition.lock()
        ready.store(now, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilReady(within timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.nanosecondsClamped) / 1e9)
        condition.lock()
        defer { condition.unlock() }
        while !isReady {
            guard condition.wait(until: deadline) else { return isReady }
        }
        return true
    }
}

/// Where the door's effects go, boxed (see `DoorOutlet.target`).
final class EffectTarget: Sendable {
    let deliver: @Sendable ([ChatEffect]) -> Void
    init(_ deliver: @escaping @Sendable ([ChatEffect]) -> Void) { self.deliver = deliver }
}
