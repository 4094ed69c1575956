import NetModel

/// What `RequestWindow.admit(_:service:)` decided for one copy of a request, with the trace
/// record its executor writes for it.
enum RequestAdmission {
    /// The first copy: record `request-executed` with these fields, execute it, then `finish` it.
    case execute(TraceDetail)
    /// Answer this without executing, after recording `label` with the fields: a copy gets the
    /// first answer (`request-repeat`), a key too old to be remembered is refused `staleRequest`
    /// (`call-dropped`).
    case answer(ClientResult, label: String, TraceDetail)
    /// The first copy is still executing: nothing to do, its answer is on its way.
    case inProgress
}

extension RequestWindow where Answer == ClientResult {
    /// Looks the request `key` up for its executor (a value-type core that cannot log itself):
    /// the decision of `executeOnce`, without running anything.
    /// - Returns: whether to execute this copy or what to answer, and what to record.
    mutating func admit(_ key: RequestKey, service: String) -> RequestAdmission {
        func fields() -> TraceDetail {
            // One array, kept as the detail (no copy into labelled fields, no growth for `step`).
            if key.step > 0 {
                return TraceDetail(pairs: [("origin", .name(key.origin)), ("req", .number(key.id)), ("service", .text(service)),
                                           ("step", .number(UInt64(key.step)))])
            }
            return TraceDetail(pairs: [("origin", .name(key.origin)), ("req", .number(key.id)), ("service", .text(service))])
        }
        switch begin(key) {
        case .execute:
            return .execute(fields())
        case .repeated(let first):
            return .answer(first, label: NodeLog.requestRepeat, fields())
        case .inProgress:
            return .inProgress
        case .stale:
            return .answer(.refused(.staleRequest), label: NodeLog.callDropped,
                           ["call": .text(service), "from": .name(key.origin), "reason": .text("stale-request")])
        }
    }

    /// Runs `body` for the request `key` at most once and records it in the trace
    /// (`request-executed`); a copy gets the first answer (`request-repeat`), a key too old to be
    /// remembered is refused `staleRequest` (`call-dropped`). Every executor shell (a frontend,
    /// the chat node) answers through this one function or, for a core, `admit(_:service:)`.
    /// - Returns: the answer for this copy, or nil while the first copy is still executing (its
    ///   answer is on its way).
    mutating func executeOnce(_ key: RequestKey, service: String, log env: any NodeEnvironment,
                              _ body: () -> ClientResult) -> ClientResult? {
        switch admit(key, service: service) {
        case .execute(let record):
            env.log(NodeLog.requestExecuted, record)
            let result = body()
            finish(key, answer: result)
            return result
        case .answer(let answer, let label, let record):
            env.log(label, record)
            return answer
        case .inProgress:
            return nil
        }
    }
}
