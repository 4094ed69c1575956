import NetModel

extension RequestWindow where Answer == ClientResult {
    /// Runs `body` for the request `key` at most once and records it in the trace
    /// (`request-executed`); a copy gets the first answer (`request-repeat`), a key too old to be
    /// remembered is refused `staleRequest` (`call-dropped`). Every executor (a frontend, the
    /// session node, the chat node) answers through this one function.
    /// - Returns: the answer for this copy, or nil while the first copy is still executing (its
    ///   answer is on its way).
    mutating func executeOnce(_ key: RequestKey, service: String, log env: any NodeEnvironment,
                              _ body: () -> ClientResult) -> ClientResult? {
        var list: [TraceDetail.Field] = [("origin", .name(key.origin)), ("req", .number(key.id)), ("service", .text(service))]
        if key.step > 0 { list.append(("step", .number(UInt64(key.step)))) }
        let fields = TraceDetail(fields: list)
        switch begin(key) {
        case .execute:
            env.log(NodeLog.requestExecuted, fields)
            let result = body()
            finish(key, answer: result)
            return result
        case .repeated(let first):
            env.log(NodeLog.requestRepeat, fields)
            return first
        case .inProgress:
            return nil
        case .stale:
            env.log(NodeLog.callDropped, ["call": .text(service), "from": .name(key.origin), "reason": .text("stale-request")])
            return .refused(.staleRequest)
        }
    }
}
