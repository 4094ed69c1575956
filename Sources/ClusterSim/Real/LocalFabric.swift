import NetModel
import Nodes
import Synchronization

/// The in-memory twin of the TCP fabric: real time, real threads, no simulation and no sockets.
/// A send hands the message straight to the destination's handler on the sender's thread (the
/// runtime only queues it in the node's mailbox), so order per pair is kept; streams are
/// reliable and ordered; a detached node's streams close at the far end with `.peerCrashed`.
package final class LocalFabric: RealFabric, @unchecked Sendable {
    private struct Stream {
        var opener: NodeName
        var openerToken: UInt64
        var acceptor: NodeName
        var acceptorToken: UInt64
    }

    private struct State {
        var endpoints: [NodeName: (token: UInt64, handler: @Sendable (Inbound<ClusterMessage>) -> Void)] = [:]
        var streams: [StreamID: Stream] = [:]
        var nextToken: UInt64 = 1
        var nextMessage: UInt64 = 1
        var nextStream: UInt64 = 1
        var cut: Set<Link> = []
        func isCut(_ from: NodeName, _ to: NodeName) -> Bool { !cut.isEmpty && cut.contains(Link(from: from, to: to)) }
        var closed = false
    }

    private let state = Mutex(State())

    /// An empty fabric.
    package init() {}

    /// Attaches `name`; a listening node gets a `local:NAME` address. Throws when attached twice or shut down.
    package func attach(_ name: NodeName, listens: Bool,
                       handler: @escaping @Sendable (Inbound<ClusterMessage>) -> Void) throws -> RealAttachment {
        let token = try state.withLock { s -> UInt64 in
            guard !s.closed else { throw RealFabricError("the fabric is shut down") }
            guard s.endpoints[name] == nil else { throw RealFabricError("\(name) is already attached") }
            let t = s.nextToken
            s.nextToken += 1
            s.endpoints[name] = (t, handler)
            return t
        }
        let transport = Handle(fabric: self, local: name, token: token)
        return RealAttachment(transport: transport, address: listens ? "local:\(name)" : nil) { [self] in
            detach(name, token: token)
        }
    }

    /// Cuts `links` (streams across a newly cut link end with `.partition` at both ends).
    package func setCutLinks(_ links: Set<Link>) {
        // Streams across a cut link are reset at both ends.
        var notices: [(@Sendable (Inbound<ClusterMessage>) -> Void, Inbound<ClusterMessage>)] = []
        state.withLock { s in
            s.cut = links
            for id in s.streams.keys.sorted() {
                let st = s.streams[id]!
                guard s.isCut(st.opener, st.acceptor) || s.isCut(st.acceptor, st.opener) else { continue }
                s.streams[id] = nil
                if let o = s.endpoints[st.opener], o.token == st.openerToken {
                    notices.append((o.handler, .streamClosed(id, peer: st.acceptor, reason: .partition)))
                }
                if let a = s.endpoints[st.acceptor], a.token == st.acceptorToken {
                    notices.append((a.handler, .streamClosed(id, peer: st.opener, reason: .partition)))
                }
            }
        }
        for (handler, inbound) in notices { handler(inbound) }
    }

    /// Forgets every node and stream.
    package func shutdown() {
        state.withLock { s in
            s.closed = true
            s.endpoints = [:]
            s.streams = [:]
        }
    }

    private func detach(_ name: NodeName, token: UInt64) {
        var notices: [(@Sendable (Inbound<ClusterMessage>) -> Void, Inbound<ClusterMessage>)] = []
        state.withLock { s in
            guard s.endpoints[name]?.token == token else { return }
            s.endpoints[name] = nil
            for id in s.streams.keys.sorted() {
                let st = s.streams[id]!
                let isOpener = st.opener == name && st.openerToken == token
                let isAcceptor = st.acceptor == name && st.acceptorToken == token
                guard isOpener || isAcceptor else { continue }
                s.streams[id] = nil
                let (peer, peerToken) = isOpener ? (st.acceptor, st.acceptorToken) : (st.opener, st.openerToken)
                if let p = s.endpoints[peer], p.token == peerToken {
                    notices.append((p.handler, .streamClosed(id, peer: name, reason: .peerCrashed)))
                }
            }
        }
        for (handler, inbound) in notices { handler(inbound) }
    }

    fileprivate func send(_ payload: ClusterMessage, from source: NodeName, token: UInt64, to destination: NodeName) -> UInt64 {
        let (id, target) = state.withLock { s -> (UInt64, (@Sendable (Inbound<ClusterMessage>) -> Void)?) in
            let id = s.nextMessage
            s.nextMessage += 1
            guard s.endpoints[source]?.token == token, !s.isCut(source, destination) else { return (id, nil) }
            return (id, s.endpoints[destination]?.handler)
        }
        target?(.message(Envelope(source: source, destination: destination, id: id, payload: payload)))
        return id
    }

    fileprivate func openStream(from opener: NodeName, token: UInt64, to peer: NodeName) -> StreamID {
        let (id, acceptor, refusal) = state.withLock { s -> (StreamID, (@Sendable (Inbound<ClusterMessage>) -> Void)?,
                                                            (@Sendable (Inbound<ClusterMessage>) -> Void)?) in
            let id = StreamID(s.nextStream)
            s.nextStream += 1
            guard let me = s.endpoints[opener], me.token == token else { return (id, nil, nil) }
            guard let target = s.endpoints[peer], !s.isCut(opener, peer), !s.isCut(peer, opener) else {
                return (id, nil, me.handler)
            }
            s.streams[id] = Stream(opener: opener, openerToken: token, acceptor: peer, acceptorToken: target.token)
            return (id, target.handler, nil)
        }
        acceptor?(.streamOpened(id, peer: opener))
        refusal?(.streamClosed(id, peer: peer, reason: .refused))
        return id
    }

    fileprivate func send(_ payload: ClusterMessage, from me: NodeName, token: UInt64, on id: StreamID) {
        let target = state.withLock { s -> (NodeName, @Sendable (Inbound<ClusterMessage>) -> Void)? in
            guard let st = s.streams[id] else { return nil }
            if st.opener == me, st.openerToken == token, let t = s.endpoints[st.acceptor], t.token == st.acceptorToken {
                return (st.acceptor, t.handler)
            }
            if st.acceptor == me, st.acceptorToken == token, let t = s.endpoints[st.opener], t.token == st.openerToken {
                return (st.opener, t.handler)
            }
            return nil
        }
        target?.1(.streamMessage(id, peer: me, payload))
    }

    fileprivate func closeStream(_ id: StreamID, by me: NodeName, token: UInt64) {
        let target = state.withLock { s -> (@Sendable (Inbound<ClusterMessage>) -> Void)? in
            guard let st = s.streams[id] else { return nil }
            let mine = (st.opener == me && st.openerToken == token) || (st.acceptor == me && st.acceptorToken == token)
            guard mine else { return nil }
            s.streams[id] = nil
            let (peer, peerToken) = st.opener == me ? (st.acceptor, st.acceptorToken) : (st.opener, st.openerToken)
            guard let t = s.endpoints[peer], t.token == peerToken else { return nil }
            return t.handler
        }
        target?(.streamClosed(id, peer: me, reason: .closed))
    }

    /// One node incarnation's handle on the local fabric.
    final class Handle: Transport, @unchecked Sendable {
        let fabric: LocalFabric
        let local: NodeName
        let token: UInt64
        init(fabric: LocalFabric, local: NodeName, token: UInt64) {
            self.fabric = fabric
            self.local = local
            self.token = token
        }
        func send(_ payload: consuming ClusterMessage, to destination: NodeName) -> UInt64 {
            fabric.send(payload, from: local, token: token, to: destination)
        }
        func openStream(to peer: NodeName) -> StreamID { fabric.openStream(from: local, token: token, to: peer) }
        func send(_ payload: consuming ClusterMessage, on stream: StreamID) { fabric.send(payload, from: local, token: token, on: stream) }
        func closeStream(_ stream: StreamID) { fabric.closeStream(stream, by: local, token: token) }
    }
}
