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
        e.receiver = nil
        if !e.held.isEmpty {
            // What a paused node held is lost with its memory: each message is traced as dropped.
            for h in e.held { recordHeldLost(h, at: e) }
            e.held.removeAll()
        }
        let crashed = e.incarnation
        nextIncarnation(of: e)
        for id in streams.ids {
            guard var s = streams[id], s.opener == e.name || s.acceptor == e.name else { continue }
            let toOpener = e.name != s.opener
            if s.open {
                s.open = false
                streams[id] = s
                notifyClosed(id, toOpener: toOpener, reason: .peerCrashed)
            } else if s.notice(toOpener: toOpener) == .remote(.closed),
                      (toOpener ? s.acceptorIncarnation : s.openerIncarnation) == crashed {
                // Its close notice is still in flight: nothing comes from a crashed incarnation,
                // so the far end learns of the crash instead, at the same instant.
                s.setNotice(.remote(.peerCrashed), toOpener: toOpener)
                streams[id] = s
            }
        }
    }

    /// Drops every node's handler without tracing anything: the end of a run. Breaks the
    /// reference cycles between node actors, their handles and the network.
    public func detachAll() {
        for e in endpoints.values {
            e.handler = nil
            e.receiver = nil
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
    /// A held delivery lost because its receiver crashed: a traced drop (a held close notice is
    /// only counted: there is no one left to tell).
    private func recordHeldLost(_ h: (inbound: Inbound<Payload>, source: NodeName, id: UInt64, label: String), at e: Endpoint) {
        counters.dropped += 1
        if case .streamClosed = h.inbound { return }
        record(.drop, e.name, h.source, h.id, h.label, "crashed")
    }

    public func resume(_ name: NodeName) {
        guard let e = endpoints[name], e.paused else { return }
        e.paused = false
        record(.resume, name, nil, 0, "resume", "\(e.held.count) held")
        let held = e.held
        e.held.removeAll()
        let incarnation = e.incarnation
        for h in held {
            // A handler may pause the node again (the rest stays held, in order) or crash it
            // (the rest is lost with its memory: a new incarnation never sees it).
            guard e.up, e.incarnation == incarnation else {
                recordHeldLost(h, at: e)
                continue
            }
            guard !e.paused else {
                e.held.append(h)
                continue
            }
            if case .streamClosed = h.inbound {
                record(.streamClose, e.name, h.source, h.id, "close", "held")
                hand(h.inbound, to: e)
            } else {
                counters.delivered += 1
                record(.deliver, e.name, h.source, h.id, h.label, "held")
                hand(h.inbound, to: e)
            }
        }
    }

    /// Starts a partition. Streams cut by it in either direction (TCP breaks a connection that
    /// cannot carry its acknowledgements) are reset: both ends learn at once — the acceptor only
    /// if the open reached it — and what is in flight on them is dropped. An end-of-stream notice
    /// still in flight across the cut is replaced by that reset.
    /// - Returns: an id for `heal(_:)`.
    @discardableResult
    public func partition(_ p: Partition) -> Int {
        let id = nextPartitionID
        nextPartitionID += 1
        partitions.append((id, p))
        record(.partition, nil, nil, UInt64(id), "partition", p.summary)
        for sid in streams.ids {
            guard var s = streams[sid], s.open || s.remoteNotice(toOpener: true) || s.remoteNotice(toOpener: false),
                  p.cuts(from: s.opener, to: s.acceptor) || p.cuts(from: s.acceptor, to: s.opener) else { continue }
            let toOpener = s.open || s.remoteNotice(toOpener: true)
            let toAcceptor = (s.open && s.accepted) || s.remoteNotice(toOpener: false)
            if s.open { s.cut = true }
            s.open = false
            if toOpener { s.notice.0 = .none }
            if toAcceptor { s.notice.1 = .none }
            streams[sid] = s
            if toOpener, let t = endpoints[s.opener], t.up, t.incarnation == s.openerIncarnation {
                closeDelivered(sid, to: t, peer: s.acceptor, reason: .partition)
            }
            if toAcceptor, let t = endpoints[s.acceptor], t.up, t.incarnation == s.acceptorIncarnation {
                closeDelivered(sid, to: t, peer: s.opener, reason: .partition)
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
}
