/// A network partition: nodes in different groups cannot reach each other. With `oneWay`
/// (exactly two groups) only traffic from the first group to the second is cut.
///
/// Nodes named in no group are not affected, which is how clients "follow their frontend's side".
///
/// `SimNetwork` applies `cuts(from:to:)` to one-shot messages in their direction only; a stream
/// is a TCP connection, broken when either direction is cut (`SimNetwork.partition(_:)`).
public struct Partition: Sendable, Equatable {
    /// The groups, as given.
    public let groups: [[NodeName]]
    /// Whether only group 0 → group 1 is cut.
    public let oneWay: Bool
    private let groupOf: [NodeName: Int]

    /// Makes a partition. A node listed twice keeps its first group (the experiment parser
    /// rejects such files before they get here).
    public init(groups: [[NodeName]], oneWay: Bool = false) {
        self.groups = groups
        self.oneWay = oneWay
        var map: [NodeName: Int] = [:]
        for (i, g) in groups.enumerated() { for n in g where map[n] == nil { map[n] = i } }
        groupOf = map
    }

    /// Whether traffic from `source` to `destination` is cut.
    /// - Returns: true when both are in groups and those groups are separated in that direction.
    public func cuts(from source: NodeName, to destination: NodeName) -> Bool {
        guard let a = groupOf[source], let b = groupOf[destination], a != b else { return false }
        return oneWay ? (a == 0 && b == 1) : true
    }

    /// `[frontend-1] | [session-1 management-1]`, with `->` for one-way.
    public var summary: String {
        groups.map { "[" + $0.map(\.description).joined(separator: " ") + "]" }
            .joined(separator: oneWay ? " -> " : " | ")
    }
}

/// Counters the simulated network keeps for the run's metrics.
public struct NetworkStats: Sendable, Equatable {
    /// One-shot messages and stream messages accepted for sending.
    public var sent = 0
    /// Deliveries made to a live handler (a duplicate counts twice).
    public var delivered = 0
    /// Messages lost, by any reason.
    public var dropped = 0
    /// Extra copies made by the duplicate probability.
    public var duplicated = 0
    /// Deliveries held while the destination was paused.
    public var held = 0
    /// Creates zeroed counters.
    public init() {}
}
