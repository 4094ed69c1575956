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
    /// The request keys of the held calls: a copy of a call already held (a client's retry, the
    /// network's duplicate) is not held again. Without this, a node that took seconds to register
    /// on a duplicating network filled its limit with copies and dropped calls that mattered —
    /// one from the chat node's ordered stream, whose later lines then overtook it.
    private var keys: Set<RequestKey> = []
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
        let callKeys = Self.keys(of: call)
        if !callKeys.isEmpty, callKeys.allSatisfy(keys.contains) { return true }   // a copy: the first is held
        guard calls.count < limit else { return false }
        calls.append(Call(call: call, source: source))
        keys.formUnion(callKeys)
        return true
    }

    /// The request keys `call` carries (each call of a batch's), none for the calls that have
    /// none (logins, re-syncs, acknowledgements: idempotent on their own).
    static func keys(of call: BackendCall) -> [RequestKey] {
        switch call {
        case .pushTo(_, _, _, _, let request), .broadcast(_, _, _, let request), .kick(_, let request),
             .isOnline(_, let request), .service(_, _, _, let request), .executed(let request, _):
            [request]
        case .chat(_, _, let request?): [request]
        case .batch(let calls): calls.flatMap(keys(of:))
        default: []
        }
    }

    /// The trace record of a call dropped because `limit` calls are held.
    static func dropRecord(_ call: BackendCall, from source: NodeName) -> TraceDetail {
        ["call": .text(call.traceLabel), "from": .name(source), "reason": .text("held-full")]
    }

    /// Every held call, in arrival order; none is held afterwards.
    mutating func takeAll() -> [Call] {
        defer {
            calls = []
            keys.removeAll()
        }
        return calls
    }
}
