import NetModel

extension SwarmGenerator {
    /// A network: a latency distribution of any kind, loss and duplication up to 5% each,
    /// reordering up to 20%, and sometimes a few one-way link overrides between servers with
    /// conditions of their own.
    static func network(_ d: inout SwarmDraw, servers: [NodeName]) -> NetworkSpec {
        var spec = NetworkSpec(defaults: conditions(&d))
        if servers.count >= 2 && d.chance(0.25) {
            var taken: [(NodeName, NodeName)] = []
            for _ in 0..<d.int(1...3) {
                let from = d.pick(servers), to = d.pick(servers.filter { $0 != from })
                if taken.contains(where: { $0 == (from, to) }) { continue }
                taken.append((from, to))
                spec.links.append(LinkOverride(from: from, to: to, conditions: conditions(&d)))
            }
        }
        // Reordering of one-shot messages (up to 20%), drawn last so that adding it left every
        // other draw of a seed as it was.
        spec.defaults.reorder = d.chance(0.5) ? 0 : d.steps(1...200, of: 0.001)
        for i in spec.links.indices { spec.links[i].conditions.reorder = spec.defaults.reorder }
        return spec
    }

    /// Conditions of one link: latency of a random kind, drop and duplicate each 0 half the time,
    /// else 0.1%–5%.
    static func conditions(_ d: inout SwarmDraw) -> LinkConditions {
        LinkConditions(latency: latency(&d), drop: d.chance(0.5) ? 0 : d.steps(1...50, of: 0.001),
                       duplicate: d.chance(0.5) ? 0 : d.steps(1...50, of: 0.001))
    }

    /// A latency distribution: constant, uniform, exponential or bimodal, each equally likely,
    /// from sub-millisecond to a slow mode of 200 ms.
    static func latency(_ d: inout SwarmDraw) -> LatencyDistribution {
        func us(_ r: ClosedRange<Int>) -> Duration { .microseconds(d.int(r)) }
        switch d.int(0...3) {
        case 0:
            return .constant(us(100...5_000))
        case 1:
            let lo = us(100...2_000)
            return .uniform(min: lo, max: lo + us(1_000...20_000))
        case 2:
            return .exponential(mean: us(500...5_000), min: .microseconds(100), max: .milliseconds(d.int(20...100)))
        default:
            return .bimodal(fast: us(200...3_000), slow: .milliseconds(d.int(20...200)), slowFraction: d.steps(1...10, of: 0.01))
        }
    }
}
