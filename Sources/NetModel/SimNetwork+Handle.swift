extension SimNetwork {
    /// A node's transport on the simulated network. Dead once its node crashes or restarts:
    /// whatever a dead handle sends is dropped and recorded with reason `zombie`.
    public final class Handle: Transport, @unchecked Sendable {
        /// The node this handle belongs to.
        public let local: NodeName
        @usableFromInline let endpoint: Endpoint
        @usableFromInline let incarnation: UInt64
        /// The network, not retained (it outlives its handles: `detachAll` ends them), and borrowed
        /// for each call: an `unowned(unsafe)` reference was still retained and released around
        /// every send.
        @usableFromInline let network: Unmanaged<SimNetwork>

        init(network: SimNetwork, endpoint: Endpoint, incarnation: UInt64) {
            self.network = Unmanaged.passUnretained(network)
            self.endpoint = endpoint
            self.incarnation = incarnation
            self.local = endpoint.name
        }

        /// Whether this handle's node incarnation is still the live one.
        @inlinable
        public var isLive: Bool { endpoint.up && endpoint.incarnation == incarnation }

        @inlinable @discardableResult
        public func send(_ payload: consuming Payload, to destination: NodeName) -> UInt64 {
            // Moved through an optional: the borrowing closure cannot consume the parameter itself.
            var moved = Optional(payload)
            return network._withUnsafeGuaranteedRef { $0.sendMessage(moved.take()!, from: self, to: destination) }
        }

        public func openStream(to peer: NodeName) -> StreamID {
            network._withUnsafeGuaranteedRef { $0.openStream(from: self, to: peer) }
        }

        @inlinable
        public func send(_ payload: consuming Payload, on stream: StreamID) {
            var moved = Optional(payload)
            network._withUnsafeGuaranteedRef { $0.sendOnStream(moved.take()!, from: self, on: stream) }
        }

        public func closeStream(_ stream: StreamID) {
            network._withUnsafeGuaranteedRef { $0.closeStream(stream, by: self) }
        }
    }
}
