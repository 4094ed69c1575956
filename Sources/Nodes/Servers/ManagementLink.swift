import NetModel

/// A server node's side of the management protocol (seed 000's ServerManagementBackground), as a
/// value type: register at start and until accepted, ping every `pingInterval`, register again
/// when a ping is answered "unknown", stop for good when fenced.
///
/// Until registered the node is *blocked* (the service blocker): it serves no client request and
/// accepts no push stream.
///
/// A clean shutdown (`leave()`) sends `unregister` and waits in `.leaving` until the manager shows
/// it removed the node: each tick pings, a `pong(known: false)` (or a `stop`) means gone (`.left`),
/// a `pong(known: true)` means the `unregister` was lost, and it is sent again. A leaving node never
/// serves and never registers again.
struct ManagementLink: Sendable {
    enum State: Equatable, Sendable {
        case unregistered
        case registered(epoch: UInt64)
        case fenced
        /// Unregistering on purpose (a clean shutdown): `unregister(epoch:)` sent, the manager's
        /// removal not seen yet.
        case leaving(epoch: UInt64)
        /// Unregistered on purpose and removed: never registers again in this incarnation.
        case left
    }

    /// What the shell must do.
    enum Action: Equatable, Sendable {
        case send(ClusterMessage)
        case becameServing(NodeConfig)
        case stopServing
        /// A membership notice that is news (``isNews(_:)``): the node reacts to it.
        case membershipChanged(MembershipNotice)
        case none
    }

    private(set) var state: State = .unregistered
    private(set) var config = NodeConfig(sessionNode: nil, frontends: [])
    /// For each node, the epoch of the registration its last `joined` or `rejoined` notice
    /// announced: a notice about an older registration is a late copy (duplicated or reordered)
    /// and is not news. Forgotten when this node registers from scratch (a restarted manager
    /// numbers epochs from 1 again).
    private var announced: [NodeName: UInt64] = [:]
    let address: String
    let version: String
    /// The node process's own id, sent with every `register`.
    let incarnation: UInt64

    /// A link that has not registered yet, for the process `incarnation` of a node at `address`
    /// running `version`.
    init(address: String, version: String, incarnation: UInt64 = 0) {
        self.address = address
        self.version = version
        self.incarnation = incarnation
    }

    /// Whether the node may serve (registered and not fenced).
    var isServing: Bool { if case .registered = state { true } else { false } }

    /// Whether the node may serve again without a restart (not fenced, not leaving or left): calls
    /// that arrive while it registers are worth holding.
    var mayServeAgain: Bool {
        switch state {
        case .unregistered, .registered: true
        case .fenced, .leaving, .left: false
        }
    }

    /// The epoch of the current registration.
    var epoch: UInt64? { if case .registered(let e) = state { e } else { nil } }

    /// Every `pingInterval` (and at start): register while unregistered, ping while registered or
    /// leaving (the answer tells a leaving node whether the manager removed it).
    func tick() -> Action {
        switch state {
        case .unregistered: .send(.register(address: address, version: version, incarnation: incarnation))
        case .registered(let epoch), .leaving(let epoch): .send(.ping(epoch: epoch))
        case .fenced, .left: .none
        }
    }

    /// A clean shutdown: the node leaves for good.
    /// - Returns: the `unregister` to send when the node was registered (it is then `.leaving`);
    ///   nil otherwise (an unregistered node is `.left` at once; a fenced, leaving or left one
    ///   stays as it is).
    mutating func leave() -> ClusterMessage? {
        switch state {
        case .registered(let epoch):
            state = .leaving(epoch: epoch)
            return .unregister(epoch: epoch)
        case .unregistered:
            state = .left
            return nil
        case .fenced, .leaving, .left:
            return nil
        }
    }

    /// A management message arrived.
    mutating func handle(_ message: ClusterMessage) -> Action {
        switch (message, state) {
        case (_, .fenced), (_, .left):
            return .none
        case (.pong(known: false, _), .leaving), (.stop, .leaving):
            // The manager no longer knows this incarnation: the leave is done (a fence of a
            // leaving node ends nothing more: it serves no longer anyway).
            state = .left
            return .none
        case (.pong(known: true, _), .leaving(let epoch)):
            // Still known: the unregister was lost. Say it again.
            return .send(.unregister(epoch: epoch))
        case (_, .leaving):
            return .none
        case (.registerAccepted(let epoch, _), .registered(let current)) where epoch < current:
            // An older acceptance arriving late (a duplicated `register` got two epochs, and
            // their answers were reordered): the manager removed that epoch when it minted the
            // newer one, so taking it would make every ping unknown and start the churn again.
            return .none
        case (.registerAccepted(let epoch, let config), _):
            if state == .unregistered { announced.removeAll() }
            state = .registered(epoch: epoch)
            // A notice can overtake the acceptance (it was sent later but drew a shorter latency):
            // keep what notices already taught on top of the acceptance's snapshot.
            var merged = config
            merged.sessionNode = config.sessionNode ?? self.config.sessionNode
            merged.chatNode = config.chatNode ?? self.config.chatNode
            for peer in self.config.frontends where !merged.frontends.contains(peer) { merged.frontends.append(peer) }
            merged.frontends.sort()
            self.config = merged
            return .becameServing(merged)
        case (.pong(known: false, _), .registered):
            state = .unregistered
            return .send(.register(address: address, version: version, incarnation: incarnation))
        case (.pong(known: true, let fresh?), .registered):
            config = fresh
            return .none
        case (.stop(let epoch), .registered(let current)) where epoch == current:
            state = .fenced
            return .stopServing
        case (.notice(let notice), _):
            guard isNews(notice) else { return .none }
            apply(notice)
            return .membershipChanged(notice)
        default:
            return .none
        }
    }

    /// Whether `notice` tells something new, and records it: a `joined` or `rejoined` of a
    /// registration newer than the last one announced for that node, or a `left` of a
    /// registration no older than it. A late copy of an earlier notice — the manager's messages
    /// are duplicated and reordered like any — would undo what a newer one said: a `left` arriving
    /// after the node's `rejoined` would drop it from the frontend list and make the session node
    /// forget its users until the next re-sync.
    mutating func isNews(_ notice: MembershipNotice) -> Bool {
        switch notice {
        case .joined(let name, let epoch), .rejoined(let name, let epoch, _):
            if let last = announced[name], epoch <= last { return false }
            announced[name] = epoch
            return true
        case .left(let name, let epoch):
            if let last = announced[name], epoch < last { return false }
            return true
        }
    }

    /// Keeps the frontend list and session node current from membership notices.
    private mutating func apply(_ notice: MembershipNotice) {
        switch notice {
        case .joined(let name, _), .rejoined(let name, _, _):
            let peer = NodeConfig.Peer(name: name, address: name.description)
            if name.role == .frontend, !config.frontends.contains(where: { $0.name == name }) {
                config.frontends.append(peer)
                config.frontends.sort()
            }
            if name.role == .session { config.sessionNode = peer }
            if name.role == .chat { config.chatNode = peer }
        case .left(let name, _):
            config.frontends.removeAll { $0.name == name }
            if config.sessionNode?.name == name { config.sessionNode = nil }
            if config.chatNode?.name == name { config.chatNode = nil }
        }
    }
}

extension ManagementLink {
    /// The link of the node `env` serves: it registers under the node's advertised address and the
    /// cluster's version.
    init(env: any NodeEnvironment) {
        self.init(address: env.advertisedAddress, version: env.settings.version, incarnation: env.incarnationID)
    }
}
