extension SimNetwork {
    /// Crashes `name`: its memory is gone (the handler is dropped), everything in flight to and
    /// from it is lost, and the far end of each of its streams learns after one latency.
    public func crash(_ name: NodeName) {
        guard let e = endpoints[name], e.up else { return }
        record(.crash, name, nil, 0, "crash")
        crashEndpoint(e, reason: "crash")
    }

    func crashEndpoint(_ e: Endpoint, reason: String) {
        e.up = false
        e.paused = false
        e.handler = nil
        if !e.held.isEmpty {
            counters.dropped += e.held.count
            e.held.removeAll()
        }
        e.incarnation &+= 1
        for id in streams.ids {
            guard var s = streams[id], s.open, s.opener == e.name || s.acceptor == e.name else { continue }
            s.open = false
            streams[id] = s
            let other = s.peer(of: e.name)
            let incarnation = other == s.opener ? s.openerIncarnation : s.acceptorIncarnation
            notifyClosed(id, end: other, incarnation: incarnation, peer: e.name, reason: .peerCrashed, after: e.name)
        }
    }

    /// Drops every node's handler without tracing anything: the end of a run. Breaks the
    /// reference cycles between node actors, their handles and the network.
    public func detachAll() {
        for e in endpoints.values {
            e.handler = nil
            e.held.removeAll()
            e.up = false
        }
    }

    /// Freezes `name`: deliveries to it are held, in order, until `resume`.
    public func pause(_ name: NodeName) {
        guard let e = endpoints[name], e.up, !e.paused else { return }
        e.paused = true
        record(.pause, name, nil, 0, "pause")
    }

    /// Resumes `name` and delivers what was held, in arrival order, at this instant.
    public func resume(_ name: NodeName) {
        guard let e = endpoints[name], e.paused else { return }
        e.paused = false
        record(.resume, name, nil, 0, "resume", "\(e.held.count) held")
        let held = e.held
        e.held.removeAll()
        for h in held {
            guard e.up, !e.paused else {
                e.held.append(h)
                continue
            }
            if case .streamClosed = h.inbound {
                record(.streamClose, e.name, h.source, h.id, "close", "held")
                e.handler?(h.inbound)
            } else {
                counters.delivered += 1
                record(.deliver, e.name, h.source, h.id, h.label, "held")
                e.handler?(h.inbound)
            }
        }
    }

    /// Starts a partition; streams that cross it are reset and both ends learn at once.
    /// - Returns: an id for `heal(_:)`.
    @discardableResult
    public func partition(_ p: Partition) -> Int {
        let id = nextPartitionID
        nextPartitionID += 1
        partitions.append((id, p))
        record(.partition, nil, nil, UInt64(id), "partition", p.summary)
        for sid in streams.ids {
            guard var s = streams[sid], s.open,
                  p.cuts(from: s.opener, to: s.acceptor) || p.cuts(from: s.acceptor, to: s.opener) else { continue }
            s.open = false
            streams[sid] = s
            for (end, inc, peer) in [(s.opener, s.openerIncarnation, s.acceptor),
                                     (s.acceptor, s.acceptorIncarnation, s.opener)] {
                if let t = endpoints[end], t.up, t.incarnation == inc {
                    closeDelivered(sid, to: t, peer: peer, reason: .partition)
                }
            }
        }
        return id
    }

    /// Ends the partition `id`.
    public func heal(_ id: Int) {
        guard let i = partitions.firstIndex(where: { $0.id == id }) else { return }
        let p = partitions.remove(at: i)
        record(.heal, nil, nil, UInt64(id), "heal", p.partition.summary)
    }

    /// Ends every partition.
    public func healAll() {
        for p in partitions.map(\.id) { heal(p) }
    }
}
