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
        guard calls.count < limit else {
            env.log(NodeLog.callDropped, ["call": .text(call.traceLabel), "from": .name(source), "reason": .text("held-full")])
            return
        }
        calls.append(Call(call: call, source: source))
    }

    /// Every held call, in arrival order; none is held afterwards.
    mutating func takeAll() -> [Call] {
        defer { calls = [] }
        return calls
    }
}
