/// The deterministic simulated network: every envelope's fate (latency, loss, duplication)
/// is drawn from the run's seeded RNG, and faults (partitions, crashes, pauses) are applied
/// at exact virtual instants.
///
/// Single-threaded by design: it is used only from the simulator's driver thread (the event
/// loop and the node actors that share its executor), hence `@unchecked Sendable`.
public final class SimNetwork<Payload: NetworkPayload>: @unchecked Sendable {
    /// Receives inbound traffic for one node.
    public typealias Handler = (Inbound<Payload>) -> Void

    @usableFromInline let scheduler: any EventScheduler
    @usableFromInline let trace: (any TraceSink)?
    @exclusivity(unchecked) @usableFromInline var rng: SeededRandom
    @exclusivity(unchecked) @usableFromInline var defaults: PreparedLink
    @exclusivity(unchecked) @usableFromInline var links: [LinkKey: PreparedLink] = [:]
    @exclusivity(unchecked) @usableFromInline var endpoints = EndpointTable<Endpoint>()
    @usableFromInline let pending = SlotPool<Pending>()
    @usableFromInline let pendingFrames = SlotPool<PendingFrame>()
    @exclusivity(unchecked) @usableFromInline var targetNumber = -1
    @exclusivity(unchecked) @usableFromInline var frameTargetNumber = -1
    @exclusivity(unchecked) @usableFromInline var partitions: [(id: Int, partition: Partition)] = []
    @exclusivity(unchecked) @usableFromInline var streams = StreamTable<StreamState>()
    @exclusivity(unchecked) @usableFromInline var nextMessageID: UInt64 = 1
    /// How many times any endpoint's incarnation changed (a crash, a re-attach): a message in
    /// flight notes it when sent, so that its arrival knows whether either end can have changed
    /// without loading the ends (`Endpoint.changedAt`).
    @exclusivity(unchecked) @usableFromInline var incarnationChanges: UInt64 = 0
    var nextStreamID: UInt64 = 1
    var nextPartitionID = 1
    /// Called before each arrival handed to a `SimReceiver`: the simulator's proof that the
    /// calling thread holds the nodes' isolation (it stops the process otherwise). Set it before
    /// the first `attach(_:receiver:)`: attaching a receiver while it is nil stops the process,
    /// since nothing would check where its arrivals run.
    @exclusivity(unchecked) public var receiverCheck: (() -> Void)?
    /// How long an opener waits before learning that a partition cut its stream open.
    public var connectTimeout: Duration = .seconds(1)
    /// What happened to traffic so far.
    public var stats: NetworkStats { counters }
    @exclusivity(unchecked) @usableFromInline var counters = NetworkStats()

    /// Makes a network.
    /// - Parameters:
    ///   - scheduler: the event loop that owns virtual time.
    ///   - seed: the run seed; the network draws from the stream named `network`.
    ///   - defaults: the conditions of every link without an override.
    ///   - trace: where sends, deliveries and drops are recorded.
    @inlinable
    public init(scheduler: any EventScheduler, seed: UInt64, defaults: LinkConditions = LinkConditions(),
                trace: (any TraceSink)? = nil) {
        self.scheduler = scheduler
        self.trace = trace
        self.rng = SeededRandom(seed: seed, stream: "network")
        self.defaults = PreparedLink(defaults)
        // The callback is made here, in the caller's module, so that it is specialized for Payload.
        // The scheduler's callbacks never outlive the network's use; the network is borrowed, not
        // retained, for each call (an `unowned(unsafe)` capture was still copied, a retain and a
        // release per delivery).
        let network = Unmanaged.passUnretained(self)
        self.targetNumber = scheduler.register { token in network._withUnsafeGuaranteedRef { $0.fire(token: token) } }
        self.frameTargetNumber = scheduler.register { token in
            network._withUnsafeGuaranteedRef { $0.fireFrame(token: token) }
        }
    }

    /// Overrides the conditions of traffic from `source` to `destination` (one direction).
    public func setLink(from source: NodeName, to destination: NodeName, _ conditions: LinkConditions) {
        links[LinkKey(source: source, destination: destination)] = PreparedLink(conditions)
    }

    /// Attaches (or re-attaches after a crash: a restart) the node `name`.
    /// - Returns: the node's transport handle; handles of earlier incarnations go dead.
    public func attach(_ name: NodeName, handler: @escaping Handler) -> Handle {
        attach(name, handler: handler, receiver: nil)
    }

    /// Attaches (or re-attaches) the node `name`, which receives its traffic itself: each arrival
    /// is handed to `receiver` after `receiverCheck`, with no closure in between.
    /// - Precondition: `receiverCheck` is set.
    /// - Returns: the node's transport handle; handles of earlier incarnations go dead.
    public func attach(_ name: NodeName, receiver: any SimReceiver<Payload>) -> Handle {
        precondition(receiverCheck != nil,
                     "SimNetwork.attach(_:receiver:): set receiverCheck (the driver-thread check) first")
        return attach(name, handler: nil, receiver: receiver)
    }

    private func attach(_ name: NodeName, handler: Handler?, receiver: (any SimReceiver<Payload>)?) -> Handle {
        let endpoint: Endpoint
        if let existing = endpoints[name] {
            endpoint = existing
            if endpoint.up { crashEndpoint(endpoint, reason: "re-attached") }
            nextIncarnation(of: endpoint)
        } else {
            endpoint = Endpoint(name: name)
            endpoints[name] = endpoint
        }
        endpoint.up = true
        endpoint.paused = false
        endpoint.handler = handler
        endpoint.receiver = receiver
        return Handle(network: self, endpoint: endpoint, incarnation: endpoint.incarnation)
    }

    /// Starts `endpoint`'s next incarnation: what was sent to or from the one before is lost.
    func nextIncarnation(of endpoint: Endpoint) {
        endpoint.incarnation &+= 1
        incarnationChanges &+= 1
        endpoint.changedAt = incarnationChanges
    }

    /// Hands `inbound` to the node behind `endpoint`: its receiver, or its handler.
    @inlinable
    func hand(_ inbound: consuming Inbound<Payload>, to endpoint: Endpoint) {
        if let receiver = endpoint.receiver {
            receiverCheck!()
            receiver.receiveOnSimulatorLoop(inbound)
        } else {
            endpoint.handler?(inbound)
        }
    }

    /// Whether `name` is attached and not crashed.
    public func isUp(_ name: NodeName) -> Bool { endpoints[name]?.up ?? false }

    /// Whether `name` is paused (internal: the fault-model tests read it through `@testable`).
    func isPaused(_ name: NodeName) -> Bool { endpoints[name]?.paused ?? false }

    @inlinable
    func conditions(from source: NodeName, to destination: NodeName) -> PreparedLink {
        if links.isEmpty { return defaults }
        return links[LinkKey(source: source, destination: destination)] ?? defaults
    }

    @inlinable
    func isCut(from source: NodeName, to destination: NodeName) -> Bool {
        if partitions.isEmpty { return false }
        for p in partitions where p.partition.cuts(from: source, to: destination) { return true }
        return false
    }

    @inlinable
    func record(_ kind: TraceKind, _ node: NodeName?, _ peer: NodeName?, _ id: UInt64,
                _ label: String, _ detail: String = "") {
        trace?.record(kind, node: node, peer: peer, messageID: id, label: label, detail: detail)
    }
}

/// A link's conditions prepared for the hot path.
@usableFromInline
struct PreparedLink {
    @usableFromInline let sampler: LatencySampler
    @usableFromInline let drop: Double
    @usableFromInline let duplicate: Double
    @usableFromInline let reorder: Double
    @usableFromInline
    init(_ c: LinkConditions) {
        sampler = c.latency.sampler
        drop = c.drop
        duplicate = c.duplicate
        reorder = c.reorder
    }
}

@usableFromInline
struct LinkKey: Hashable {
    @usableFromInline let source: NodeName
    @usableFromInline let destination: NodeName
    @usableFromInline
    init(source: NodeName, destination: NodeName) {
        self.source = source
        self.destination = destination
    }
}

extension SimNetwork {
    /// One attached node as the network sees it. A reference type so the hot path can hold it.
    @usableFromInline
    final class Endpoint {
        @usableFromInline let name: NodeName
        @exclusivity(unchecked) @usableFromInline var incarnation: UInt64 = 1
        /// `SimNetwork.incarnationChanges` just after this endpoint's last incarnation change.
        @exclusivity(unchecked) @usableFromInline var changedAt: UInt64 = 0
        @exclusivity(unchecked) @usableFromInline var up = false
        @exclusivity(unchecked) @usableFromInline var paused = false
        @exclusivity(unchecked) @usableFromInline var handler: Handler? = nil
        /// The node itself when it receives without a handler (`attach(_:receiver:)`). Strong,
        /// and retained for each call: a node may crash itself inside its handler, which drops
        /// every other reference to it.
        @exclusivity(unchecked) @usableFromInline var receiver: (any SimReceiver<Payload>)? = nil
        @exclusivity(unchecked) @usableFromInline var held: [(inbound: Inbound<Payload>, source: NodeName, id: UInt64, label: String)] = []
        init(name: NodeName) { self.name = name }
    }

    /// A one-shot message in flight.
    @usableFromInline
    struct Pending {
        @usableFromInline let envelope: Envelope<Payload>
        /// Unretained: the network keeps every endpoint it ever attached (a restart reuses it),
        /// so the message does not retain it in flight — nor load it when sent.
        @usableFromInline let target: Unmanaged<Endpoint>?
        /// `SimNetwork.incarnationChanges` when the message was sent: the target is the same
        /// incarnation at arrival iff its `changedAt` is not later.
        @usableFromInline let sentAt: UInt64
        @usableFromInline let sourceIncarnation: UInt64
        @usableFromInline
        init(envelope: Envelope<Payload>, target: Unmanaged<Endpoint>?, sentAt: UInt64, sourceIncarnation: UInt64) {
            self.envelope = envelope
            self.target = target
            self.sentAt = sentAt
            self.sourceIncarnation = sourceIncarnation
        }

        /// Hands the message to the network's arrival logic, moving (not copying) the payload.
        @inlinable
        consuming func arrive(on network: SimNetwork) {
            // Every other field is read first, so that the envelope is the last use of `self`
            // and moves into the call.
            let target = target, sentAt = sentAt, sourceIncarnation = sourceIncarnation
            let label = envelope.payload.traceLabel
            guard let target else {
                network.arrive(envelope, target: nil, sentAt: sentAt, sourceIncarnation: sourceIncarnation, label: label)
                return
            }
            // Borrowed for the call, not retained: the network keeps every endpoint.
            target._withUnsafeGuaranteedRef {
                network.arrive(envelope, target: $0, sentAt: sentAt, sourceIncarnation: sourceIncarnation, label: label)
            }
        }
    }

    /// A message on a stream between its send and its arrival instant.
    @usableFromInline
    struct PendingFrame {
        @usableFromInline let stream: StreamID
        @usableFromInline let from: NodeName
        @usableFromInline let to: NodeName
        @usableFromInline let peerIncarnation: UInt64
        @usableFromInline let payload: Payload
        @usableFromInline
        init(stream: StreamID, from: NodeName, to: NodeName, peerIncarnation: UInt64, payload: consuming Payload) {
            self.stream = stream
            self.from = from
            self.to = to
            self.peerIncarnation = peerIncarnation
            self.payload = payload
        }

        /// Hands the frame to the network's arrival logic, moving (not copying) the payload.
        @inlinable
        consuming func arrive(on network: SimNetwork) {
            let stream = stream, from = from, to = to, peerIncarnation = peerIncarnation
            network.arriveOnStream(payload, stream: stream, from: from, to: to, peerIncarnation: peerIncarnation)
        }
    }

    /// One stream between an opener and an acceptor.
    @usableFromInline
    struct StreamState {
        @usableFromInline let opener: NodeName
        @usableFromInline let acceptor: NodeName
        @usableFromInline let openerIncarnation: UInt64
        @usableFromInline let acceptorIncarnation: UInt64
        /// The latest arrival instant scheduled in each direction (0: opener → acceptor),
        /// so that stream traffic never reorders.
        @usableFromInline var lastArrival: (Int64, Int64) = (0, 0)
        /// Whether the stream carries messages. False from the start when its open crossed a cut.
        @usableFromInline var open = true
        /// The end that closed the stream cleanly, if one did: what it sent before its close is
        /// still delivered (as TCP delivers data before a FIN), the close notice after it.
        @usableFromInline var closedBy: NodeName?
        /// Whether a partition ended the stream: messages on it are dropped with reason `partition`.
        @usableFromInline var cut = false
        /// Whether the open reached the acceptor (delivered or held): only then does the acceptor
        /// hear that the stream ended.
        @usableFromInline var accepted = false
        /// The end-of-stream notice owed to each end (0: opener, 1: acceptor).
        @usableFromInline var notice: (StreamNotice, StreamNotice) = (.none, .none)
        /// Whether a notice from the far end is in flight to the opener (`toOpener`) or the acceptor.
        func remoteNotice(toOpener: Bool) -> Bool {
            if case .remote = notice(toOpener: toOpener) { return true }
            return false
        }

        @usableFromInline
        init(opener: NodeName, acceptor: NodeName, openerIncarnation: UInt64, acceptorIncarnation: UInt64) {
            self.opener = opener
            self.acceptor = acceptor
            self.openerIncarnation = openerIncarnation
            self.acceptorIncarnation = acceptorIncarnation
        }

        @usableFromInline
        func peer(of node: NodeName) -> NodeName { node == opener ? acceptor : opener }

        /// The notice owed to the opener (`toOpener`) or the acceptor.
        func notice(toOpener: Bool) -> StreamNotice { toOpener ? notice.0 : notice.1 }

        mutating func setNotice(_ n: StreamNotice, toOpener: Bool) {
            if toOpener { notice.0 = n } else { notice.1 = n }
        }
    }
}

/// An end-of-stream notice on its way to one end of a stream.
@usableFromInline
enum StreamNotice: Sendable, Equatable {
    /// Nothing is owed.
    case none
    /// The far end's news (closed, peer crashed, refused), one latency away: it crosses the
    /// network, so a partition that cuts the stream meanwhile replaces it with a local reset, and
    /// a `closed` whose sender crashes meanwhile becomes `peerCrashed`.
    case remote(StreamCloseReason)
    /// The connect timeout of an open that crossed a cut: local, the partition cannot stop it.
    case timeout
}
