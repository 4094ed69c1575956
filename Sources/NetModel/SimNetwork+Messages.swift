extension SimNetwork {
    @inlinable
    func sendMessage(_ payload: consuming Payload, from handle: Handle, to destination: NodeName) -> UInt64 {
        let id = nextMessageID
        nextMessageID &+= 1
        let source = handle.local
        let label = payload.traceLabel
        guard handle.isLive else {
            record(.drop, source, destination, id, label, "zombie")
            counters.dropped += 1
            return id
        }
        counters.sent += 1
        record(.send, source, destination, id, label)
        let link = conditions(from: source, to: destination)
        if isCut(from: source, to: destination) {
            record(.drop, source, destination, id, label, "partition")
            counters.dropped += 1
            return id
        }
        if link.drop > 0, rng.chance(link.drop) {
            record(.drop, source, destination, id, label, "loss")
            counters.dropped += 1
            return id
        }
        // The target's place, not the target: loading its (cold) object is left to the arrival.
        let target = endpoints.unretained(destination)
        guard link.duplicate > 0 else {
            // The common case: the payload is moved, never copied, into the pending pool.
            scheduleDelivery(Envelope(source: source, destination: destination, id: id, payload: payload), link: link,
                             target: target, sourceIncarnation: handle.incarnation)
            return id
        }
        scheduleDelivery(Envelope(source: source, destination: destination, id: id, payload: copy payload), link: link,
                         target: target, sourceIncarnation: handle.incarnation)
        if rng.chance(link.duplicate) {
            record(.duplicate, source, destination, id, label)
            counters.duplicated += 1
            scheduleDelivery(Envelope(source: source, destination: destination, id: id, payload: payload), link: link,
                             target: target, sourceIncarnation: handle.incarnation)
        }
        return id
    }

    @inlinable
    func scheduleDelivery(_ envelope: consuming Envelope<Payload>, link: PreparedLink, target: Unmanaged<Endpoint>?,
                          sourceIncarnation: UInt64) {
        var latency = link.sampler.sample(using: &rng)
        // Drawn only when the knob is on, so that a run without it draws exactly as before.
        if link.reorder > 0, rng.chance(link.reorder) { latency &+= holdBack(latency) }
        let at = VirtualInstant(nanoseconds: scheduler.now.nanoseconds &+ latency)
        let slot = pending.insert(Pending(envelope: envelope, target: target, sentAt: incarnationChanges,
                                          sourceIncarnation: sourceIncarnation))
        scheduler.schedule(at: at, target: targetNumber, token: slot)
    }

    /// The extra delay of a reordered message: uniform in [latency, 4 × latency] nanoseconds.
    @usableFromInline
    func holdBack(_ latency: Int64) -> Int64 {
        let base = min(latency, Int64.max / 8)
        guard base > 0 else { return 0 }
        return base &+ Int64(rng.next() % (UInt64(base) &* 3 &+ 1))
    }

    /// A one-shot message's arrival instant has come.
    @inlinable
    func fire(token: Int) {
        pending.take(token)?.arrive(on: self)
    }

    @inlinable
    func arrive(_ envelope: consuming Envelope<Payload>, target: Endpoint?, sentAt: UInt64,
                sourceIncarnation: UInt64, label: String) {
        let from = envelope.source, to = envelope.destination, id = envelope.id
        let reason: String
        // The target is the incarnation it was at the send iff it has not changed since; the
        // source is certainly the same if no incarnation changed anywhere (the usual case: the
        // source's cold object is not loaded).
        if let target, target.up, target.changedAt <= sentAt {
            if sentAt != incarnationChanges,
               endpoints.read(from, { $0.map { $0.incarnation != sourceIncarnation } ?? false }) {
                reason = "source-crashed"
            } else if isCut(from: from, to: to) {
                reason = "partition"
            } else {
                deliver(.message(envelope), to: target, from: from, id: id, label: label)
                return
            }
        } else {
            reason = target == nil ? "no-such-node" : "crashed"
        }
        record(.drop, to, from, id, label, reason)
        counters.dropped += 1
    }

    /// Hands `inbound` to `target`, or holds it while `target` is paused.
    @inlinable
    func deliver(_ inbound: consuming Inbound<Payload>, to target: Endpoint, from source: NodeName, id: UInt64,
                 label: String) {
        if target.paused {
            target.held.append((inbound, source, id, label))
            counters.held += 1
            return
        }
        counters.delivered += 1
        record(.deliver, target.name, source, id, label)
        hand(inbound, to: target)
    }
}
