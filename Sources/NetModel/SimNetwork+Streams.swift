extension SimNetwork {
    func openStream(from handle: Handle, to peer: NodeName) -> StreamID {
        let id = StreamID(nextStreamID)
        nextStreamID &+= 1
        let opener = handle.local
        guard handle.isLive else {
            record(.drop, opener, peer, id.rawValue, "stream-open", "zombie")
            return id
        }
        let target = endpoints[peer]
        let state = StreamState(opener: opener, acceptor: peer, openerIncarnation: handle.incarnation,
                                acceptorIncarnation: target?.incarnation ?? 0)
        streams[id] = state
        record(.streamOpen, opener, peer, id.rawValue, "open")
        if isCut(from: opener, to: peer) || isCut(from: peer, to: opener) {
            let at = scheduler.now.advanced(by: connectTimeout)
            scheduler.schedule(at: at) { [unowned self] in self.failOpen(id, reason: .partition) }
            return id
        }
        let at = arrival(from: opener, to: peer, stream: id, direction: 0)
        scheduler.schedule(at: at) { [unowned self] in
            guard var s = self.streams[id], s.open else { return }
            if let t = self.endpoints[peer], t.up, t.incarnation == s.acceptorIncarnation {
                self.deliver(.streamOpened(id, peer: opener), to: t, from: opener, id: id.rawValue,
                             label: "stream-open")
            } else {
                s.open = false
                self.streams[id] = s
                self.notifyClosed(id, end: opener, incarnation: s.openerIncarnation, peer: peer,
                                  reason: .refused, after: peer)
            }
        }
        return id
    }

    private func failOpen(_ id: StreamID, reason: StreamCloseReason) {
        guard var s = streams[id], s.open else { return }
        s.open = false
        streams[id] = s
        if let o = endpoints[s.opener], o.up, o.incarnation == s.openerIncarnation {
            closeDelivered(id, to: o, peer: s.acceptor, reason: reason)
        }
    }

    @inlinable
    func sendOnStream(_ payload: consuming Payload, from handle: Handle, on id: StreamID) {
        let me = handle.local
        let label = payload.traceLabel
        guard handle.isLive, let s = streams[id], s.open, me == s.opener || me == s.acceptor else {
            record(.drop, me, nil, id.rawValue, label, handle.isLive ? "stream-closed" : "zombie")
            counters.dropped += 1
            return
        }
        let peer = s.peer(of: me)
        let direction = me == s.opener ? 0 : 1
        let peerIncarnation = direction == 0 ? s.acceptorIncarnation : s.openerIncarnation
        counters.sent += 1
        record(.send, me, peer, id.rawValue, label)
        let at = arrival(from: me, to: peer, stream: id, direction: direction)
        let slot = pendingFrames.insert(PendingFrame(stream: id, from: me, to: peer, peerIncarnation: peerIncarnation,
                                                     payload: payload))
        scheduler.schedule(at: at, target: frameTargetNumber, token: slot)
    }

    /// A stream message's arrival instant has come.
    @inlinable
    func fireFrame(token: Int) {
        pendingFrames.take(token)?.arrive(on: self)
    }

    /// Delivers a stream message unless its stream closed or its receiver crashed meanwhile.
    @inlinable
    func arriveOnStream(_ payload: consuming Payload, stream id: StreamID, from me: NodeName, to peer: NodeName,
                        peerIncarnation: UInt64) {
        let label = payload.traceLabel
        guard let s = streams[id], s.open, let t = endpoints[peer], t.up, t.incarnation == peerIncarnation else {
            record(.drop, peer, me, id.rawValue, label, "stream-closed")
            counters.dropped += 1
            return
        }
        deliver(.streamMessage(id, peer: me, payload), to: t, from: me, id: id.rawValue, label: label)
    }

    func closeStream(_ id: StreamID, by handle: Handle) {
        let me = handle.local
        guard handle.isLive, var s = streams[id], s.open, me == s.opener || me == s.acceptor else { return }
        s.open = false
        streams[id] = s
        record(.streamClose, me, s.peer(of: me), id.rawValue, "close", "closed")
        let peer = s.peer(of: me)
        let incarnation = me == s.opener ? s.acceptorIncarnation : s.openerIncarnation
        notifyClosed(id, end: peer, incarnation: incarnation, peer: me, reason: .closed, after: me)
    }

    /// Schedules `.streamClosed` for `end` one latency from `from`, after anything already in flight
    /// on the stream.
    func notifyClosed(_ id: StreamID, end: NodeName, incarnation: UInt64, peer: NodeName,
                      reason: StreamCloseReason, after from: NodeName) {
        let direction = streams[id].map { from == $0.opener ? 0 : 1 } ?? 0
        let at = arrival(from: from, to: end, stream: id, direction: direction)
        scheduler.schedule(at: at) { [unowned self] in
            guard let t = self.endpoints[end], t.up, t.incarnation == incarnation else { return }
            self.closeDelivered(id, to: t, peer: peer, reason: reason)
        }
    }

    func closeDelivered(_ id: StreamID, to target: Endpoint, peer: NodeName, reason: StreamCloseReason) {
        if target.paused {
            target.held.append((.streamClosed(id, peer: peer, reason: reason), peer, id.rawValue, "stream-close"))
            return
        }
        record(.streamClose, target.name, peer, id.rawValue, "close", reason.rawValue)
        target.handler?(.streamClosed(id, peer: peer, reason: reason))
    }

    /// The arrival instant of the next message on `id` in `direction`: one latency draw from now,
    /// but never before the previous one (streams do not reorder).
    @inlinable
    func arrival(from: NodeName, to: NodeName, stream id: StreamID, direction: Int) -> VirtualInstant {
        let latency = conditions(from: from, to: to).sampler.sample(using: &rng)
        var at = scheduler.now.nanoseconds &+ latency
        if var s = streams[id] {
            if direction == 0 { at = max(at, s.lastArrival.0); s.lastArrival.0 = at }
            else { at = max(at, s.lastArrival.1); s.lastArrival.1 = at }
            streams[id] = s
        }
        return VirtualInstant(nanoseconds: at)
    }
}
