import NetModel

extension ExactlyOnceChecker.Scan {
    /// One origin's requests' latest executions, sorted by request id and step. Kept for the
    /// whole run, so an execution is held in 12 bytes (`Packed`: the request id as an offset of
    /// 16 bits from the list's `reqBase`, the trace position in 32 bits, the instant as 40 bits of
    /// nanoseconds, the step and the incarnation in 4 bits each) until one does not fit; from then
    /// on that origin's list holds full 40-byte ``Execution``s.
    struct ExecutionList: Sendable {
        /// An execution in 12 bytes: three 32-bit words.
        private struct Packed: Sendable {
            private static var atBits: UInt64 { 40 }
            let seq: UInt32
            /// The instant's nanoseconds, low 32 bits.
            let atLow: UInt32
            /// The instant's bits 32–39 (top 8), the step (next 4), the incarnation (next 4), the
            /// request id's offset from the list's base (low 16).
            let meta: UInt32

            /// `execution` packed over `reqBase`, or nil when a field does not fit.
            init?(_ execution: Execution, reqBase: UInt64) {
                let nanos = execution.at.nanoseconds
                guard execution.req >= reqBase, execution.req - reqBase < 1 << 16, execution.seq >= 0,
                      execution.seq <= Int(UInt32.max), execution.step < 16, execution.incarnation < 16,
                      nanos >= 0, nanos < 1 << Self.atBits else { return nil }
                seq = UInt32(execution.seq)
                atLow = UInt32(truncatingIfNeeded: nanos)
                meta = UInt32(nanos >> 32) << 24 | UInt32(execution.step) << 20 | execution.incarnation << 16
                    | UInt32(execution.req - reqBase)
            }

            var step: UInt64 { UInt64(meta >> 20 & 0xF) }
            /// The request id, over `reqBase`.
            func req(over reqBase: UInt64) -> UInt64 { reqBase + UInt64(meta & 0xFFFF) }

            /// The execution, over `reqBase`.
            func execution(reqBase: UInt64) -> Execution {
                Execution(req: req(over: reqBase), step: step,
                          at: VirtualInstant(nanoseconds: Int64(meta >> 24) << 32 | Int64(atLow)), seq: Int(seq),
                          incarnation: meta >> 16 & 0xF)
            }
        }

        /// What every packed execution's request id is an offset from: the first one's id, less
        /// 1,024 (a request older than the first, executed later, still packs).
        private var reqBase: UInt64 = 0
        private var packed: [Packed] = []
        /// Every execution in full, once one did not pack (nil until then).
        private var full: [Execution]?

        /// No execution.
        init() {}

        /// How many requests executed.
        var count: Int { full?.count ?? packed.count }

        /// The `i`th execution.
        subscript(i: Int) -> Execution {
            full?[i] ?? packed[i].execution(reqBase: reqBase)
        }

        /// Whether the `i`th execution is of `(req, step)` or sorts before it.
        func precedes(_ i: Int, _ req: UInt64, _ step: UInt64) -> Bool {
            if let full { return full[i].precedes(req, step) }
            return (packed[i].req(over: reqBase), packed[i].step) < (req, step)
        }

        /// Puts `execution` at `i`: in place of the one there (`replacing`), or inserted before it.
        mutating func put(_ execution: Execution, at i: Int, replacing: Bool) {
            if full == nil, packed.isEmpty { reqBase = execution.req - min(execution.req, 1_024) }
            if full == nil, let small = Packed(execution, reqBase: reqBase) {
                if replacing {
                    packed[i] = small
                } else {
                    packed.reserveGently()
                    packed.insert(small, at: i)
                }
                return
            }
            if full == nil {
                full = packed.map { $0.execution(reqBase: reqBase) }
                packed = []
            }
            if replacing { full![i] = execution } else { full!.insert(execution, at: i) }
        }
    }
}
