import NetModel

// The value types that go into and come out of `Registry`.

extension Registry {
    /// What the management node is configured with.
    package struct Configuration: Hashable, Sendable {
        /// The only software version the manager accepts (`version` of `register`).
        package var expectedVersion: String
        /// A node silent for this long (or longer) is removed by `tick(now:)`. DESIGN.md: 3 s.
        package var pingTimeout: Duration
        /// The manager's own name; it is the only node that can register before the manager is
        /// ready, and `tick(now:)` never removes it.
        package var manager: NodeName

        /// A configuration.
        /// - Parameters:
        ///   - expectedVersion: the version every node must report.
        ///   - pingTimeout: silence that removes a node (default 3 s, as DESIGN.md §4).
        ///   - manager: the manager's own name (default `management-1`).
        package init(expectedVersion: String, pingTimeout: Duration = .seconds(3),
                    manager: NodeName = .management) {
            self.expectedVersion = expectedVersion
            self.pingTimeout = pingTimeout
            self.manager = manager
        }
    }

    /// One registered node.
    package struct Entry: Hashable, Sendable {
        /// The node's name (its stable identity across restarts).
        package var name: NodeName
        /// The address the node serves on; unique among live nodes.
        package var address: String
        /// The version the node reported.
        package var version: String
        /// When this incarnation registered.
        package var registeredAt: VirtualInstant
        /// The last accepted ping (equal to `registeredAt` until the first ping).
        package var lastPingAt: VirtualInstant
        /// This incarnation's number: 1 for the first registration of the name in this
        /// registry's life, one more for every later registration of the same name.
        package var epoch: UInt64
        /// The registered process's own id, when it gave one (`register`'s `incarnation`).
        package var incarnation: UInt64?

        /// The node's role, from its name.
        package var role: NodeRole { name.role }

        /// An entry (the registry makes them; public for checkers and tests).
        package init(name: NodeName, address: String, version: String, registeredAt: VirtualInstant,
                    lastPingAt: VirtualInstant, epoch: UInt64, incarnation: UInt64? = nil) {
            self.name = name
            self.address = address
            self.version = version
            self.registeredAt = registeredAt
            self.lastPingAt = lastPingAt
            self.epoch = epoch
            self.incarnation = incarnation
        }
    }
}

/// The answer to `Registry.register(name:address:version:now:)`.
package enum RegistrationDecision: Hashable, Sendable {
    /// The node is registered as incarnation `epoch`; send it `config`, carry out `effects` in
    /// order.
    case accepted(epoch: UInt64, config: NodeConfig, effects: [RegistryEffect])
    /// The same process asked again while registered (a duplicated or reordered `register`, or a
    /// retry whose acceptance was lost): it stays registered as `epoch`, nothing changed; send it
    /// the acceptance again. (A new epoch would remove the one it may already have taken.)
    case repeated(epoch: UInt64, config: NodeConfig)
    /// The node is not registered; nothing changed.
    case rejected(RegistrationRejection)
}

/// Why a registration was refused.
package enum RegistrationRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The manager has not registered itself yet ("service blocker" on the manager side).
    case managerNotReady
    /// The node runs another version than the manager expects.
    case versionMismatch(expected: String, got: String)
    /// Another live node already serves on the address.
    case addressInUse(by: NodeName)
    /// The role never registers: a simulated client, or a management node other than the
    /// configured manager.
    case roleNotAllowed(NodeName)

    /// A stable code for traces and tests.
    package var code: String {
        switch self {
        case .managerNotReady: "manager-not-ready"
        case .versionMismatch: "version-mismatch"
        case .addressInUse: "address-in-use"
        case .roleNotAllowed: "role-not-allowed"
        }
    }

    /// What was wrong and what to do, for a user-facing message.
    package var description: String {
        switch self {
        case .managerNotReady:
            "the management node is not ready yet; retry the registration after a short delay"
        case .versionMismatch(let expected, let got):
            "version \(got) does not match the cluster's version \(expected); deploy version \(expected)"
        case .addressInUse(let by):
            "the address is already used by the live node \(by); give this node another address or stop \(by)"
        case .roleNotAllowed(let name):
            "\(name) may not register with the management node; only cluster nodes other than a second manager register"
        }
    }
}

/// What a freshly registered node needs to know about the cluster.
package struct NodeConfig: Hashable, Sendable, Codable {
    /// A registered node and its address.
    package struct Peer: Hashable, Sendable, Comparable, Codable {
        /// The node's name.
        package var name: NodeName
        /// Where it serves.
        package var address: String

        /// A peer.
        package init(name: NodeName, address: String) {
            self.name = name
            self.address = address
        }

        /// Orders peers by name.
        /// - Returns: `lhs.name < rhs.name`.
        package static func < (lhs: Peer, rhs: Peer) -> Bool { lhs.name < rhs.name }
    }

    /// The session node, when one is registered (the first session-role name in name order).
    package var sessionNode: Peer?
    /// Every registered frontend (the backend hosts that receive pushes), sorted by name;
    /// includes the registering node itself when it is a frontend.
    package var frontends: [Peer]

    /// The chat node, when one is registered.
    package var chatNode: Peer?

    /// A config.
    package init(sessionNode: Peer?, frontends: [Peer], chatNode: Peer? = nil) {
        self.sessionNode = sessionNode
        self.frontends = frontends
        self.chatNode = chatNode
    }
}

/// A membership change told to the other nodes. Every notice carries the epoch it is about, so
/// a receiver can ignore a late notice about an incarnation it has already seen replaced.
package enum MembershipNotice: Hashable, Sendable, Codable {
    /// A name registered for the first time (or again after it had been removed).
    case joined(NodeName, epoch: UInt64)
    /// A name registered again while its previous incarnation was still registered (it restarted
    /// faster than `pingTimeout`). Receivers must drop all state tied to `previousEpoch` exactly
    /// as for `.left`, e.g. the session node drops the users whose push stream was on it.
    case rejoined(NodeName, epoch: UInt64, previousEpoch: UInt64)
    /// The incarnation `epoch` of the name is gone (ping timeout or clean shutdown).
    case left(NodeName, epoch: UInt64)
}

/// Why an entry left the registry.
package enum RemovalReason: String, Hashable, Sendable {
    /// Silent for `pingTimeout` or longer.
    case pingTimeout
    /// Clean shutdown (`unregister`).
    case unregistered
    /// Replaced by a new incarnation of the same name.
    case reregistered
}

/// A directive from `Registry` for the manager's shell. Carry them out in list order.
package enum RegistryEffect: Hashable, Sendable {
    /// Record that incarnation `epoch` of `name` left the registry (trace and metrics:
    /// detection time is `detectedAt - lastHeard`).
    case removed(NodeName, epoch: UInt64, reason: RemovalReason, detectedAt: VirtualInstant,
                 lastHeard: VirtualInstant)
    /// Send `notice` to each recipient, in list order. Recipients are sorted and never include
    /// the manager (it owns the registry) nor the node the notice is about.
    case notifyAll([NodeName], MembershipNotice)
    /// Send Stop to `address` for incarnation `epoch` of `name`, so a zombie that comes back
    /// stops serving. The node must stop only when its current epoch is `epoch` (a new
    /// incarnation that registered meanwhile ignores it).
    case fence(NodeName, address: String, epoch: UInt64)
}

/// The manager's answer to a ping.
package enum PingReply: Hashable, Sendable {
    /// The incarnation is registered; its silence clock restarts.
    case ok
    /// The manager does not know this incarnation (never registered, removed, replaced, or the
    /// manager restarted): the node must register again.
    case unknown
}
