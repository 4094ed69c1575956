extension SimNetwork {
    /// A node's transport on the simulated network. Dead once its node crashes or restarts:
    /// whatever a dead handle sends is dropped and recorded with reason `zombie`.
    public final class Handle: Transport, @unchecked Sendable {
        /// The node this handle belongs to.
        public let local: NodeName
        @usableFromInline let endpoint: Endpoint
        @usableFromInline let incarnation: UInt64
        @usableFromInline unowned(unsafe) let network: SimNetwork

        init(network: SimNetwork, endpoint: Endpoint, incarnation: UInt64) {
            self.network = network
            self.endpoint = endpoint
            self.incarnation = incarnation
            self.local = endpoint.name
        }

        /// Whether this handle's node incarnation is still the live one.
        @inlinable
        public var isLive: Bool { endpoint.up && endpoint.incarnation == incarnation }

        @inlinable @discardableResult
        public func send(_ payload: consuming Payload, to destination: NodeName) -> UInt64 {
            network.sendMessage(payload, from: self, to: destination)
        }

        public func openStream(to peer: NodeName) -> StreamID {
            network.openStream(from: self, to: peer)
        }

        @inlinable
        public func send(_ payload: consuming Payload, on stream: StreamID) {
            network.sendOnStream(payload, from: self, on: stream)
        }

        public func closeStream(_ stream: StreamID) {
            network.closeStream(stream, by: self)
        }
    }
}
