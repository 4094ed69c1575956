/// The fate rules for traffic on one directed link (or the network's default).
public struct LinkConditions: Sendable, Equatable {
    /// The latency distribution of each message.
    public var latency: LatencyDistribution
    /// The probability that a message is lost, in [0, 1].
    public var drop: Double
    /// The probability that a message is delivered twice (the copy draws its own latency), in [0, 1].
    public var duplicate: Double

    /// Makes link conditions. Probabilities are clamped to [0, 1].
    public init(latency: LatencyDistribution = .standard, drop: Double = 0, duplicate: Double = 0) {
        self.latency = latency
        self.drop = min(1, max(0, drop))
        self.duplicate = min(1, max(0, duplicate))
    }
}
