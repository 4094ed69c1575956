/// Streams follow the fault model like one-shot messages, with TCP's connection semantics:
///
/// - An open that crosses a cut (either direction) never reaches the acceptor and the stream
///   carries nothing: what is sent on it is dropped with reason `partition`; the opener learns
///   after `connectTimeout`.
/// - A partition that cuts an established stream (either direction) resets it: both ends learn
///   at once (the acceptor only if the open reached it) and what is in flight is dropped.
/// - A crash ends the node's streams; an open, message or notice from a crashed incarnation is
///   never delivered, and the acceptor hears nothing of a stream whose open never reached it.
/// - A pause holds opens, messages and closes, in order, until resume.
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
        var state = StreamState(opener: opener, acceptor: peer, openerIncarnation: handle.incarnation,
                                acceptorIncarnation: target?.incarnation ?? 0)
        let cut = isCut(from: opener, to: peer) || isCut(from: peer, to: opener)
        if cut {
            state.open = false
            state.cut = true
            state.notice.0 = .timeout
        }
        streams[id] = state
        record(.streamOpen, opener, peer, id.rawValue, "open")
        if cut {
            let at = scheduler.now.advanced(by: connectTimeout)
            scheduler.schedule(at: at) { [unowned self] in self.failOpen(id) }
            return id
        }
        let at = arrival(from: opener, to: peer, stream: id, direction: 0)
        scheduler.schedule(at: at) { [unowned self] in self.openArrived(id) }
        return id
    }

    /// The open of `id` reaches its acceptor, unless the stream ended meanwhile (a crash of
    /// either end, a partition, a close).
    private func openArrived(_ id: StreamID) {
        guard var s = streams[id], s.open else { return }
        if let t = endpoints[s.acceptor], t.up, t.incarnation == s.acceptorIncarnation {
            s.accepted = true
            streams[id] = s
            deliver(.streamOpened(id, peer: s.opener), to: t, from: s.opener, id: id.rawValue, label: "stream-open")
        } else {
            s.open = false
            streams[id] = s
            notifyClosed(id, toOpener: true, reason: .refused)
        }
    }

    /// The connect timeout of an open that crossed a cut: the opener learns, unless it closed
    /// the stream itself or crashed meanwhile.
    private func failOpen(_ id: StreamID) {
        guard var s = streams[id], s.notice.0 == .timeout else { return }
        s.notice.0 = .none
        streams[id] = s
        if let o = endpoints[s.opener], o.up, o.incarnation == s.openerIncarnation {
            closeDelivered(id, to: o, peer: s.acceptor, reason: .partition)
        }
    }

    @inlinable
    func sendOnStream(_ payload: consuming Payload, from handle: Handle, on id: StreamID) {
        let me = handle.local
        let label = payload.traceLabel
        guard handle.isLive, let s = streams[id], s.open, me == s.opener || me == s.acceptor else {
            let reason = !handle.isLive ? "zombie" : streams[id]?.cut == true ? "partition" : "stream-closed"
            record(.drop, me, nil, id.rawValue, label, reason)
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

    /// Delivers a stream message unless its stream ended (close, crash of either end, partition)
    /// or its receiver crashed meanwhile.
    @inlinable
    func arriveOnStream(_ payload: consuming Payload, stream id: StreamID, from me: NodeName, to peer: NodeName,
                        peerIncarnation: UInt64) {
        let label = payload.traceLabel
        guard let s = streams[id], s.open || deliversAfterClose(s, from: me, to: peer), let t = endpoints[peer],
              t.up, t.incarnation == peerIncarnation else {
            record(.drop, peer, me, id.rawValue, label, streams[id]?.cut == true ? "partition" : "stream-closed")
            counters.dropped += 1
            return
        }
        deliver(.streamMessage(id, peer: me, payload), to: t, from: me, id: id.rawValue, label: label)
    }

    /// Whether a frame from `me` still arrives on a stream that is no longer open: `me` closed it
    /// cleanly after sending (as TCP delivers data before its FIN), the stream was open at the
    /// other end (an opener's frame needs its open to have arrived), nothing cuts it now, and
    /// `me` has not crashed since.
    @inlinable
    func deliversAfterClose(_ s: StreamState, from me: NodeName, to peer: NodeName) -> Bool {
        guard s.closedBy == me, !s.cut, me != s.opener || s.accepted else { return false }
        return !isCut(from: me, to: peer) && !isCut(from: peer, to: me) && senderLive(s, me)
    }

    /// Whether the end `me` of `s` is still the incarnation that used the stream.
    @inlinable
    func senderLive(_ s: StreamState, _ me: NodeName) -> Bool {
        guard let e = endpoints[me], e.up else { return false }
        return e.incarnation == (me == s.opener ? s.openerIncarnation : s.acceptorIncarnation)
    }

    func closeStream(_ id: StreamID, by handle: Handle) {
        let me = handle.local
        guard handle.isLive, var s = streams[id], me == s.opener || me == s.acceptor else { return }
        guard s.open else {
            // An opener that gives up on an open that crossed a cut no longer waits for its timeout.
            if me == s.opener, handle.incarnation == s.openerIncarnation, s.notice.0 == .timeout {
                s.notice.0 = .none
                streams[id] = s
            }
            return
        }
        s.open = false
        s.closedBy = me
        streams[id] = s
        record(.streamClose, me, s.peer(of: me), id.rawValue, "close", "closed")
        notifyClosed(id, toOpener: me != s.opener, reason: .closed)
    }

    /// Schedules `.streamClosed` for one end of `id` one latency from the other end, after
    /// anything already in flight on the stream. The acceptor is told only if the open reached
    /// it. A partition that cuts the stream before the notice arrives turns it into a reset.
    func notifyClosed(_ id: StreamID, toOpener: Bool, reason: StreamCloseReason) {
        guard let s = streams[id], toOpener || s.accepted else { return }
        let (end, from) = toOpener ? (s.opener, s.acceptor) : (s.acceptor, s.opener)
        let incarnation = toOpener ? s.openerIncarnation : s.acceptorIncarnation
        let at = arrival(from: from, to: end, stream: id, direction: toOpener ? 1 : 0)
        streams[id]?.setNotice(.remote(reason), toOpener: toOpener)
        scheduler.schedule(at: at) { [unowned self] in
            guard var s = self.streams[id], case .remote(let reason) = s.notice(toOpener: toOpener) else { return }
            s.setNotice(.none, toOpener: toOpener)
            self.streams[id] = s
            guard let t = self.endpoints[end], t.up, t.incarnation == incarnation else { return }
            self.closeDelivered(id, to: t, peer: from, reason: reason)
        }
    }

    func closeDelivered(_ id: StreamID, to target: Endpoint, peer: NodeName, reason: StreamCloseReason) {
        if target.paused {
            target.held.append((.streamClosed(id, peer: peer, reason: reason), peer, id.rawValue, "stream-close"))
            return
        }
        record(.streamClose, target.name, peer, id.rawValue, "close", reason.rawValue)
        hand(.streamClosed(id, peer: peer, reason: reason), to: target)
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
