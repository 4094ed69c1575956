import NetModel

/// The management node's server registry (seed 000's server management service), as a pure
/// value type.
///
/// Every operation takes the current virtual time and returns what the shell must do; nothing
/// here does I/O or reads a clock. `ManagementCore` keeps one timer armed at `nextDeadline(now:)`,
/// the instant the next removal falls due, and calls `tick(now:)` when it fires.
///
/// Rules (DESIGN.md §4, with the seed's defects fixed):
/// - the manager registers itself first (`registerSelf`); until then every other node is refused
///   with `.managerNotReady`;
/// - a node must report `expectedVersion`, and its address must not be used by another live name;
/// - every (re)registration of a name gets the next epoch for that name; epochs keep counting
///   after a removal, so an old incarnation's pings and unregisters never match a newer one;
/// - a registration of a name that is still registered (a restart faster than `pingTimeout`)
///   replaces the old incarnation: the shell records `.removed(… reason: .reregistered …)` and
///   tells the others `.rejoined(name, epoch:, previousEpoch:)`; no fence (it would hit the new
///   incarnation's address);
/// - `ping` answers `.unknown` for an unknown name, a stale epoch, or an entry already silent for
///   `pingTimeout` (it is dead even if `tick` has not run yet): the node registers again;
/// - `tick` removes every node (never the manager) silent for `pingTimeout` or longer, tells the
///   remaining nodes and fences the removed one;
/// - `unregister` (clean shutdown, which the seed never did) removes at once, without fence.
///
/// A manager restart is a fresh `Registry`: it knows nobody, so every ping is answered
/// `.unknown` and every node registers again.
///
/// Notice recipients are the live nodes other than the manager and the node concerned, sorted
/// by name; a `.notifyAll` with no recipient is left out.
package struct Registry: Sendable {
    /// The configuration given at `init`.
    package let configuration: Configuration
    private var table: [NodeName: Entry] = [:]
    /// The last epoch handed out per name; survives removals within this registry's life.
    private var lastEpoch: [NodeName: UInt64] = [:]

    /// An empty registry: nobody registered, the manager not ready.
    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// An empty registry.
    /// - Parameters:
    ///   - expectedVersion: the version every node must report.
    ///   - pingTimeout: silence that removes a node.
    ///   - manager: the manager's own name.
    package init(expectedVersion: String, pingTimeout: Duration = .seconds(3),
                manager: NodeName = .management) {
        self.init(configuration: Configuration(expectedVersion: expectedVersion,
                                               pingTimeout: pingTimeout, manager: manager))
    }

    // MARK: - Queries

    /// Whether the manager has registered itself, i.e. whether other nodes can register.
    package var isReady: Bool { table[configuration.manager] != nil }

    /// Every registered name, sorted (the manager included once it registered itself).
    package var liveNodes: [NodeName] { table.keys.sorted() }

    /// Every entry, sorted by name (for checkers).
    package var entries: [Entry] { liveNodes.compactMap { table[$0] } }

    /// Whether `name` is registered.
    /// - Returns: `true` for any current incarnation of `name`.
    package func isRegistered(_ name: NodeName) -> Bool { table[name] != nil }

    /// The current entry of `name`.
    /// - Returns: the entry, or nil when `name` is not registered.
    package func entry(_ name: NodeName) -> Entry? { table[name] }

    /// When `tick` next has something to do.
    /// - Returns: the earliest instant at which a registered node other than the manager will
    ///   have been silent for `pingTimeout`, never earlier than `now` (an overdue entry gives
    ///   `now`); nil when no such node is registered.
    package func nextDeadline(now: VirtualInstant) -> VirtualInstant? {
        var earliest: VirtualInstant?
        for (name, entry) in table where name != configuration.manager {
            let deadline = deadline(of: entry)
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest.map { max($0, now) }
    }

    // MARK: - Events

    /// The manager registers itself, with `expectedVersion`; this opens registration to others.
    /// - Returns: the same decision as `register` (accepted unless another live node holds
    ///   `address`).
    package mutating func registerSelf(address: String, now: VirtualInstant) -> RegistrationDecision {
        register(name: configuration.manager, address: address,
                 version: configuration.expectedVersion, now: now)
    }

    /// A node asks to register.
    ///
    /// Checks in this order: role (clients and other management nodes never register), manager
    /// ready (skipped for the manager itself), version, address unique among other live names.
    /// - Returns: `.rejected` with the first failed check and no state change; or `.accepted` with
    ///   the new epoch, the node's config, and the effects: for a name not registered,
    ///   `.notifyAll(others, .joined)`; for a name still registered, `.removed(old, reason:
    ///   .reregistered)` then `.notifyAll(others, .rejoined)`.
    ///   A process that gives its `incarnation` and is registered under it already gets
    ///   `.repeated` with its epoch, and nothing changes.
    package mutating func register(name: NodeName, address: String, version: String, incarnation: UInt64? = nil,
                                  now: VirtualInstant) -> RegistrationDecision {
        let isManager = name == configuration.manager
        if name.role == .client || (name.role == .management && !isManager) {
            return .rejected(.roleNotAllowed(name))
        }
        if !isManager && !isReady { return .rejected(.managerNotReady) }
        if version != configuration.expectedVersion {
            return .rejected(.versionMismatch(expected: configuration.expectedVersion, got: version))
        }
        if let holder = liveNodes.first(where: { $0 != name && table[$0]?.address == address }) {
            return .rejected(.addressInUse(by: holder))
        }

        if let incarnation, let current = table[name], current.incarnation == incarnation, current.address == address {
            return .repeated(epoch: current.epoch, config: config())
        }
        let epoch = (lastEpoch[name] ?? 0) + 1
        lastEpoch[name] = epoch
        let previous = table[name]
        table[name] = Entry(name: name, address: address, version: version,
                            registeredAt: now, lastPingAt: now, epoch: epoch, incarnation: incarnation)

        var effects: [RegistryEffect] = []
        let notice: MembershipNotice
        if let previous {
            effects.append(.removed(name, epoch: previous.epoch, reason: .reregistered,
                                    detectedAt: now, lastHeard: previous.lastPingAt))
            notice = .rejoined(name, epoch: epoch, previousEpoch: previous.epoch)
        } else {
            notice = .joined(name, epoch: epoch)
        }
        appendNotice(notice, about: name, to: &effects)
        return .accepted(epoch: epoch, config: config(), effects: effects)
    }

    /// A ping from incarnation `epoch` of `name`.
    /// - Returns: `.ok` (and the silence clock restarts at `now`) when that incarnation is
    ///   registered and not yet silent for `pingTimeout`; otherwise `.unknown` and no change.
    package mutating func ping(name: NodeName, epoch: UInt64, now: VirtualInstant) -> PingReply {
        guard var entry = table[name], entry.epoch == epoch else { return .unknown }
        if name != configuration.manager && deadline(of: entry) <= now { return .unknown }
        entry.lastPingAt = max(entry.lastPingAt, now)
        table[name] = entry
        return .ok
    }

    /// Incarnation `epoch` of `name` shuts down cleanly.
    /// - Returns: `.removed(… reason: .unregistered …)` then `.notifyAll(remaining, .left)`; empty
    ///   (and no change) when that incarnation is not registered, or for the manager (whose
    ///   registry ends with it).
    package mutating func unregister(name: NodeName, epoch: UInt64, now: VirtualInstant) -> [RegistryEffect] {
        guard name != configuration.manager, let entry = table[name], entry.epoch == epoch else { return [] }
        table[name] = nil
        var effects: [RegistryEffect] = [
            .removed(name, epoch: epoch, reason: .unregistered, detectedAt: now, lastHeard: entry.lastPingAt),
        ]
        appendNotice(.left(name, epoch: epoch), about: name, to: &effects)
        return effects
    }

    /// Removes every node other than the manager that has been silent for `pingTimeout` or longer
    /// at `now`.
    /// - Returns: for each removed node in name order: `.removed(… reason: .pingTimeout,
    ///   detectedAt: now, lastHeard:)`, `.notifyAll(remaining, .left)` (remaining = live after
    ///   all of this tick's removals), `.fence`. Empty when nobody is due.
    package mutating func tick(now: VirtualInstant) -> [RegistryEffect] {
        let due = liveNodes.filter { name in
            guard name != configuration.manager, let entry = table[name] else { return false }
            return deadline(of: entry) <= now
        }
        var removed: [Entry] = []
        for name in due {
            if let entry = table.removeValue(forKey: name) { removed.append(entry) }
        }
        var effects: [RegistryEffect] = []
        for entry in removed {
            effects.append(.removed(entry.name, epoch: entry.epoch, reason: .pingTimeout,
                                    detectedAt: now, lastHeard: entry.lastPingAt))
            appendNotice(.left(entry.name, epoch: entry.epoch), about: entry.name, to: &effects)
            effects.append(.fence(entry.name, address: entry.address, epoch: entry.epoch))
        }
        return effects
    }

    // MARK: - Helpers

    private func deadline(of entry: Entry) -> VirtualInstant {
        entry.lastPingAt.advanced(by: configuration.pingTimeout)
    }

    /// The live nodes told about a change to `subject`: all but the manager and `subject`, sorted.
    private func recipients(excluding subject: NodeName) -> [NodeName] {
        liveNodes.filter { $0 != subject && $0 != configuration.manager }
    }

    private func appendNotice(_ notice: MembershipNotice, about subject: NodeName,
                              to effects: inout [RegistryEffect]) {
        let to = recipients(excluding: subject)
        if !to.isEmpty { effects.append(.notifyAll(to, notice)) }
    }

    /// The manager itself did not run for `gap` (it was paused or starved): silence during that
    /// time says nothing about the nodes, so every node's last ping moves forward by `gap`.
    package mutating func forgive(_ gap: Duration) {
        for name in table.keys.sorted() { table[name]!.lastPingAt = table[name]!.lastPingAt.advanced(by: gap) }
    }

    /// The configuration a node gets now: the registered session node, chat node and frontends.
    package var currentConfig: NodeConfig { config() }

    private func config() -> NodeConfig {
        let peers = entries.map { NodeConfig.Peer(name: $0.name, address: $0.address) }
        return NodeConfig(sessionNode: peers.first { $0.name.role == .session },
                          frontends: peers.filter { $0.name.role == .frontend },
                          chatNode: peers.first { $0.name.role == .chat })
    }
}
