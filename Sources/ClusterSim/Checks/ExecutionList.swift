import NetModel

extension ExactlyOnceChecker.Scan {
    /// One origin's requests' latest executions, sorted by request id and step. Kept for the
    /// whole run, so an execution is held in 24 bytes (`Packed`: the instant as nanoseconds, the
    /// trace position in 32 bits, the step and the incarnation in 16 bits each) until one does
    /// not fit; from then on that origin's list holds full 40-byte ``Execution``s.
    struct ExecutionList: Sendable {
        /// An execution in 24 bytes.
        private struct Packed: Sendable {
            let req: UInt64
            let atNanos: Int64
            let seq: UInt32
            let step: UInt16
            let incarnation: UInt16

            /// `execution` packed, or nil when a field does not fit.
            init?(_ execution: Execution) {
                guard execution.seq >= 0, execution.seq <= Int(UInt32.max), execution.step <= UInt64(UInt16.max),
                      execution.incarnation <= UInt32(UInt16.max) else { return nil }
                req = execution.req
                atNanos = execution.at.nanoseconds
                seq = UInt32(execution.seq)
                step = UInt16(execution.step)
                incarnation = UInt16(execution.incarnation)
            }

            var execution: Execution {
                Execution(req: req, step: UInt64(step), at: VirtualInstant(nanoseconds: atNanos), seq: Int(seq),
                          incarnation: UInt32(incarnation))
            }
        }

        private var packed: [Packed] = []
        /// Every execution in full, once one did not pack (nil until then).
        private var full: [Execution]?

        /// No execution.
        init() {}

        /// How many requests executed.
        var count: Int { full?.count ?? packed.count }

        /// The `i`th execution.
        subscript(i: Int) -> Execution {
            full?[i] ?? packed[i].execution
        }

        /// Whether the `i`th execution is of `(req, step)` or sorts before it.
        func precedes(_ i: Int, _ req: UInt64, _ step: UInt64) -> Bool {
            if let full { return full[i].precedes(req, step) }
            return (packed[i].req, UInt64(packed[i].step)) < (req, step)
        }

        /// Puts `execution` at `i`: in place of the one there (`replacing`), or inserted before it.
        mutating func put(_ execution: Execution, at i: Int, replacing: Bool) {
            if full == nil, let small = Packed(execution) {
                if replacing { packed[i] = small } else { packed.insert(small, at: i) }
                return
            }
            if full == nil {
                full = packed.map(\.execution)
                packed = []
            }
            if replacing { full![i] = execution } else { full!.insert(execution, at: i) }
        }
    }
}
