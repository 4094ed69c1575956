import NetModel

/// Backend calls that reached a node while it was not registered (first start, or registering
/// again after a manager restart), kept in arrival order and run once it serves: nothing is
/// dropped silently. Bounded by `limit`; beyond it a call is dropped and logged.
struct HeldCalls: Sendable {
    /// One held call.
    struct Call: Sendable {
        var call: BackendCall
        var source: NodeName
    }

    private var calls: [Call] = []
    /// The most calls held at once.
    let limit: Int

    init(limit: Int = 10_000) { self.limit = limit }

    /// How many calls are held.
    var count: Int { calls.count }

    /// Holds `call` (or drops and logs it when `limit` calls are held already).
    mutating func hold(_ call: BackendCall, from source: NodeName, log env: any NodeEnvironment) {
        if !hold(call, from: source) { env.log(NodeLog.callDropped, Self.dropRecord(call, from: source)) }
    }

    /// Holds `call` unless `limit` calls are held already (for a core, which logs by action).
    /// - Returns: whether it is held; when not, log `dropRecord(_:from:)` as `NodeLog.callDropped`.
    mutating func hold(_ call: BackendCall, from source: NodeName) -> Bool {
        guard calls.count < limit else { return false }
        calls.append(Call(call: call, source: source))
        return true
    }

    /// The trace record of a call dropped because `limit` calls are held.
    static func dropRecord(_ call: BackendCall, from source: NodeName) -> TraceDetail {
        ["call": .text(call.traceLabel), "from": .name(source), "reason": .text("held-full")]
    }

    /// Every held call, in arrival order; none is held afterwards.
    mutating func takeAll() -> [Call] {
        defer { calls = [] }
        return calls
    }
}
