/// The fate rules for traffic on one directed link (or the network's default).
public struct LinkConditions: Sendable, Equatable {
    /// The latency distribution of each message.
    public var latency: LatencyDistribution
    /// The probability that a message is lost, in [0, 1].
    public var drop: Double
    /// The probability that a message is delivered twice (the copy draws its own latency), in [0, 1].
    public var duplicate: Double
    /// The probability, in [0, 1], that a one-shot message is held back by an extra delay drawn
    /// uniformly between 1× and 4× its own latency draw, so that messages sent after it on the
    /// same link can overtake it (which a constant latency alone never does). Stream messages are
    /// never held back: streams are FIFO, like TCP. At 0 (the default) nothing is drawn for it.
    public var reorder: Double

    /// Makes link conditions. Probabilities are clamped to [0, 1].
    public init(latency: LatencyDistribution = .standard, drop: Double = 0, duplicate: Double = 0,
                reorder: Double = 0) {
        self.latency = latency
        self.drop = min(1, max(0, drop))
        self.duplicate = min(1, max(0, duplicate))
        self.reorder = min(1, max(0, reorder))
    }
}
