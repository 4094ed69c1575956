import Synchronization

/// The address book of the TCP transport: where each node listens. Shared by the transports of
/// one process and safe to update from any thread at run time (a node that restarts on another
/// port, a node learnt from management).
///
/// A `TCPNetwork` enters each attached node's actual listen address itself and removes it on
/// `detach()`; addresses of nodes in other processes are entered by whoever knows them.
package final class TCPDirectory: Sendable {
    private let entries = Mutex<[NodeName: SocketAddress]>([:])

    /// An empty address book, or one holding `initial`.
    package init(_ initial: [NodeName: SocketAddress] = [:]) {
        entries.withLock { $0 = initial }
    }

    /// Where `node` listens, if known.
    package func address(of node: NodeName) -> SocketAddress? {
        entries.withLock { $0[node] }
    }

    /// Records (or replaces) where `node` listens.
    package func set(_ address: SocketAddress, for node: NodeName) {
        entries.withLock { $0[node] = address }
    }

    /// Forgets `node`'s address; sends to it then need an open connection.
    package func remove(_ node: NodeName) {
        _ = entries.withLock { $0.removeValue(forKey: node) }
    }

    /// Forgets `node`'s address only if it is still `address` (a newer entry is kept).
    func remove(_ node: NodeName, ifAt address: SocketAddress) {
        entries.withLock { if $0[node] == address { $0[node] = nil } }
    }

    /// Every entry, sorted by node name.
    package var all: [(node: NodeName, address: SocketAddress)] {
        entries.withLock { $0.sorted { $0.key < $1.key }.map { (node: $0.key, address: $0.value) } }
    }
}
