import NetModel

extension ExactlyOnceChecker.Scan {
    /// One origin's requests' latest executions, sorted by request id and step. Kept for the
    /// whole run, so an execution is held in 16 bytes (`Packed`: the low 32 bits of the request
    /// id, whose high 32 bits are the list's `reqHigh`; the trace position in 32 bits; the instant
    /// as 48 bits of nanoseconds with the step and the incarnation in 8 bits each) until one does
    /// not fit; from then on that origin's list holds full 40-byte ``Execution``s.
    struct ExecutionList: Sendable {
        /// An execution in 16 bytes.
        private struct Packed: Sendable {
            private static var atBits: UInt64 { 48 }
            let reqLow: UInt32
            let seq: UInt32
            /// The instant's nanoseconds (low 48 bits), the step (next 8), the incarnation (top 8).
            let word: UInt64

            /// `execution` packed under `reqHigh`, or nil when a field does not fit.
            init?(_ execution: Execution, reqHigh: UInt64) {
                let nanos = execution.at.nanoseconds
                guard execution.req >> 32 == reqHigh, execution.seq >= 0, execution.seq <= Int(UInt32.max),
                      execution.step < 256, execution.incarnation < 256, nanos >= 0, nanos < 1 << Self.atBits else { return nil }
                reqLow = UInt32(truncatingIfNeeded: execution.req)
                seq = UInt32(execution.seq)
                word = UInt64(nanos) | execution.step << Self.atBits | UInt64(execution.incarnation) << (Self.atBits + 8)
            }

            var step: UInt64 { word >> Self.atBits & 0xFF }

            /// The execution, under `reqHigh`.
            func execution(reqHigh: UInt64) -> Execution {
                Execution(req: reqHigh << 32 | UInt64(reqLow), step: step,
                          at: VirtualInstant(nanoseconds: Int64(word & (1 << Self.atBits - 1))), seq: Int(seq),
                          incarnation: UInt32(word >> (Self.atBits + 8)))
            }
        }

        /// The high 32 bits of every packed execution's request id (set by the first one).
        private var reqHigh: UInt64 = 0
        private var packed: [Packed] = []
        /// Every execution in full, once one did not pack (nil until then).
        private var full: [Execution]?

        /// No execution.
        init() {}

        /// How many requests executed.
        var count: Int { full?.count ?? packed.count }

        /// The `i`th execution.
        subscript(i: Int) -> Execution {
            full?[i] ?? packed[i].execution(reqHigh: reqHigh)
        }

        /// Whether the `i`th execution is of `(req, step)` or sorts before it.
        func precedes(_ i: Int, _ req: UInt64, _ step: UInt64) -> Bool {
            if let full { return full[i].precedes(req, step) }
            return (reqHigh << 32 | UInt64(packed[i].reqLow), packed[i].step) < (req, step)
        }

        /// Puts `execution` at `i`: in place of the one there (`replacing`), or inserted before it.
        mutating func put(_ execution: Execution, at i: Int, replacing: Bool) {
            if full == nil, packed.isEmpty { reqHigh = execution.req >> 32 }
            if full == nil, let small = Packed(execution, reqHigh: reqHigh) {
                if replacing {
                    packed[i] = small
                } else {
                    packed.reserveGently()
                    packed.insert(small, at: i)
                }
                return
            }
            if full == nil {
                full = packed.map { $0.execution(reqHigh: reqHigh) }
                packed = []
            }
            if replacing { full![i] = execution } else { full!.insert(execution, at: i) }
        }
    }
}
