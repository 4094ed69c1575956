import NetModel

extension Checkers {
    /// Turns the experiment's `expect` thresholds into checks named `expect.<field>`, in the order
    /// `failoverWithin`, `detectionWithin`, `pushLatencyP50Below`, `pushLatencyP99Below`; fields
    /// left nil give no check.
    ///
    /// - `expect.failoverWithin`: passes when the slowest complete failover (``RunMetrics/failoverMax``)
    ///   is at most the bound and no affected client failed to come back; with no failover in the run
    ///   it passes, saying `no failover in this run`.
    /// - `expect.detectionWithin`: the slowest detection is at most the bound; passes with
    ///   `no frontend crash detected in this run` when there is none.
    /// - `expect.pushLatencyP50Below`, `expect.pushLatencyP99Below`: the nearest-rank percentile
    ///   is strictly below the bound; passes with `no push received in this run` when there is none.
    ///
    /// A failing failover or detection bound carries the slowest failover of `record` (crash →
    /// detection → last reconnect) as its counterexample, when a record is given.
    ///
    /// - Returns: one result per threshold set; the detail gives the measured value and the bound.
    package static func expectations(_ expect: Expectations, metrics: RunMetrics, record: RunRecord? = nil) -> [CheckResult] {
        let out = plainExpectations(expect, metrics: metrics)
        guard let record, out.contains(where: { !$0.passed && ($0.name == "expect.failoverWithin" || $0.name == "expect.detectionWithin") }) else {
            return out
        }
        let slowest = record.slowestFailover()
        return out.map { $0.name == "expect.failoverWithin" || $0.name == "expect.detectionWithin" ? $0.with(slowest) : $0 }
    }

    private static func plainExpectations(_ expect: Expectations, metrics: RunMetrics) -> [CheckResult] {
        var out: [CheckResult] = []
        if let bound = expect.failoverWithin {
            let name = "expect.failoverWithin"
            if let top = metrics.failoverMax {
                let stragglers = metrics.failoverStragglers
                let ok = top <= bound && stragglers == 0
                let extra = stragglers == 0 ? "" : "; \(stragglers) affected clients never failed over"
                out.append(CheckResult(name: name, passed: ok,
                                       detail: "slowest failover \(ms(top)) (bound \(ms(bound)))" + extra))
            } else if metrics.failoverStragglers > 0 {
                out.append(CheckResult(name: name, passed: false,
                                       detail: "\(metrics.failoverStragglers) affected clients never failed over"))
            } else {
                out.append(CheckResult(name: name, passed: true, detail: "no failover in this run"))
            }
        }
        if let bound = expect.detectionWithin {
            let name = "expect.detectionWithin"
            if let top = metrics.detectionMax {
                out.append(CheckResult(name: name, passed: top <= bound,
                                       detail: "slowest detection \(ms(top)) (bound \(ms(bound)))"))
            } else {
                out.append(CheckResult(name: name, passed: true, detail: "no frontend crash detected in this run"))
            }
        }
        for (field, p, bound) in [("pushLatencyP50Below", 50.0, expect.pushLatencyP50Below),
                                  ("pushLatencyP99Below", 99.0, expect.pushLatencyP99Below)] {
            guard let bound else { continue }
            let name = "expect." + field
            if let value = metrics.pushLatency(percentile: p) {
                out.append(CheckResult(name: name, passed: value < bound,
                                       detail: "push latency p\(Int(p)) \(ms(value)) (bound below \(ms(bound)))"))
            } else {
                out.append(CheckResult(name: name, passed: true, detail: "no push received in this run"))
            }
        }
        return out
    }

    private static func ms(_ d: Duration) -> String {
        let v = d.milliseconds
        return v == v.rounded() ? "\(Int64(v))ms" : "\(v)ms"
    }
}
