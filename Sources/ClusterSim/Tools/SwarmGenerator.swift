import NetModel

/// Draws a whole experiment from a seed, for swarm testing (`simctl swarm`), as FoundationDB's
/// simulation and TigerBeetle's VOPR do: each seed picks its own cluster, workload, network,
/// timing and fault schedule, so that many seeds cover many combinations no one wrote by hand.
///
/// Deterministic: the same seed, kinds and scale give the same experiment, byte for byte in
/// ``Experiment/jsonText()``. Each part draws from its own stream of the seed (`swarm/cluster`,
/// `swarm/workload`, `swarm/network`, `swarm/timing`, `swarm/faults`), so restricting the fault
/// kinds changes only the faults. Every drawn experiment passes ``Experiment/validate()``, keeps
/// its faults inside `duration` (each crash restarts, each partition and pause ends there) and
/// settles at least ``minimumSettle`` after them, so that a healthy cluster recovers.
package struct SwarmGenerator: Sendable {
    /// How big the drawn experiments are.
    package enum Scale: String, Sendable, CaseIterable {
        /// 1–5 frontends, 5–60 clients, 20–60 s of load.
        case standard
        /// 1–2 frontends, 3–8 clients, 8–15 s of load (quick runs, for tests and smoke checks).
        case small
    }

    /// The fault kinds drawn (sorted); empty for runs without faults.
    package var kinds: [SwarmFaultKind]
    /// The size of the drawn experiments.
    package var scale: Scale

    /// The shortest settle time drawn: the frontends' re-sync, the ping timeout and a client's
    /// reconnection all fit in it.
    package static let minimumSettle: Duration = .seconds(15)
    /// The largest clock offset drawn, either way; offsets of any two nodes differ by at most this
    /// much too, inside the frontends' 5 s token leeway.
    package static let maximumClockOffset: Duration = .seconds(4)

    /// Makes a generator of experiments with faults of `kinds` at `scale`.
    package init(kinds: [SwarmFaultKind] = SwarmFaultKind.allCases, scale: Scale = .standard) {
        self.kinds = SwarmFaultKind.allCases.filter { kinds.contains($0) }
        self.scale = scale
    }

    /// The experiment of swarm seed `seed`: named `swarm-<seed>`, its `seed` field is `seed`.
    /// - Returns: a valid experiment running every check.
    package func experiment(seed: UInt64) -> Experiment {
        var shapeDraw = SwarmDraw(seed: seed, part: "cluster")
        let small = scale == .small
        let cluster = ClusterShape(frontends: shapeDraw.int(small ? 1...2 : 1...5),
                                   gateway: shapeDraw.chance(0.35), chat: shapeDraw.chance(0.4))
        let duration: Duration = .seconds(shapeDraw.int(small ? 8...15 : 20...60))
        let settle = Self.minimumSettle + shapeDraw.milliseconds(0...10_000)
        var e = Experiment(name: "swarm-\(seed)", seed: seed, duration: duration, settle: settle, cluster: cluster)
        e.description = "Drawn by 'simctl swarm' from seed \(seed) ("
            + (kinds.isEmpty ? "no faults" : "faults: " + kinds.map(\.rawValue).joined(separator: ",")) + "; scale \(scale.rawValue))."
        var workloadDraw = SwarmDraw(seed: seed, part: "workload")
        e.workload = Self.workload(&workloadDraw, cluster: cluster, duration: duration, small: small)
        var timingDraw = SwarmDraw(seed: seed, part: "timing")
        e.timing = Self.timing(&timingDraw)
        var networkDraw = SwarmDraw(seed: seed, part: "network")
        e.network = Self.network(&networkDraw, servers: e.nodeNames)
        var faultDraw = SwarmDraw(seed: seed, part: "faults")
        var schedule = SwarmSchedule(kinds: kinds, servers: e.nodeNames, duration: duration)
        e.faults = schedule.draw(&faultDraw, small: small)
        return e
    }

    static func workload(_ d: inout SwarmDraw, cluster: ClusterShape, duration: Duration, small: Bool) -> Workload {
        var w = Workload()
        w.clients = d.int(small ? 3...8 : 5...60)
        w.rampUp = min(duration, d.milliseconds(0...5_000))
        w.requestRate = d.chance(0.15) ? .zero : d.rate(1...20, of: 0.1)
        w.pushRate = d.chance(0.15) ? .zero : d.rate(1...20, of: 0.1)
        if cluster.chat && d.chance(0.85) {
            let rooms = d.int(1...min(4, w.clients / 2))
            let members = d.int(2...max(2, min(8, w.clients / rooms)))
            w.chat = ChatWorkload(rooms: rooms, membersPerRoom: members, messageRate: d.rate(1...10, of: 0.1))
        }
        w.duplicateLogins = d.chance(0.5) ? 0 : d.steps(1...30, of: 0.01)
        if d.chance(0.2) {
            w.attacks = Attacks(clients: d.int(1...min(3, w.clients)), rate: d.rate(2...10, of: 0.1))
        }
        return w
    }

    static func timing(_ d: inout SwarmDraw) -> Timing {
        let interval: Duration = d.pick([.milliseconds(500), .seconds(1), .seconds(1), .seconds(2)])
        return Timing(pingInterval: interval, pingTimeout: interval * d.int(3...5),
                      tokenLifetime: d.pick([.seconds(30), .seconds(120), .seconds(600)]),
                      pushRetention: d.pick([.seconds(10), .seconds(30), .seconds(60)]))
    }
}
