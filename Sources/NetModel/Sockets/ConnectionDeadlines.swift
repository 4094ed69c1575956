/// When a connection has been quiet or stuck too long: the idle timeout and the partial-frame
/// timeout of every server of the project (a slowloris peer — connections that send a byte now
/// and then and never finish a frame — must not hold descriptors forever).
///
/// A value with one action per event; times are milliseconds of a monotonic clock given by
/// the caller (`SocketReactor.now`), so it is tested without sleeping.
package struct ConnectionDeadlines: Equatable, Sendable {
    /// Milliseconds without any input after which the connection is closed; nil never.
    package var idleTimeout: Int64?
    /// Milliseconds a frame may take from its first byte to its last; nil without limit.
    package var partialFrameTimeout: Int64?
    /// When the last input arrived (or the connection opened).
    package private(set) var lastInput: Int64
    /// When the frame now being received started (nil when no partial frame is buffered).
    package private(set) var partialSince: Int64?

    /// Deadlines for a connection opened at `now`.
    package init(idleTimeout: Int64?, partialFrameTimeout: Int64?, now: Int64) {
        self.idleTimeout = idleTimeout
        self.partialFrameTimeout = partialFrameTimeout
        lastInput = now
    }

    /// Input arrived at `now`; after it, `hasPartialFrame` says whether an unfinished frame is
    /// buffered (a frame that was already partial keeps its start time).
    @inline(__always)
    package mutating func didRead(at now: Int64, hasPartialFrame: Bool) {
        lastInput = now
        if !hasPartialFrame {
            partialSince = nil
        } else if partialSince == nil {
            partialSince = now
        }
    }

    /// Why the connection must be closed at `now`, or nil while it may stay.
    /// - Returns: a reason naming the timeout, for the log.
    package func expiry(at now: Int64) -> String? {
        if let limit = partialFrameTimeout, let since = partialSince, now - since >= limit {
            return "partial-frame timeout: a frame unfinished for \(now - since) ms (limit \(limit) ms)"
        }
        if let limit = idleTimeout, now - lastInput >= limit {
            return "idle timeout: no input for \(now - lastInput) ms (limit \(limit) ms)"
        }
        return nil
    }
}
