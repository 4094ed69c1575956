import NetModel
import Nodes

/// The outcome of every client request, read from the clients' `client-reply` events.
struct RequestOutcomes {
    /// How a request ended.
    enum Outcome: Int, Comparable {
        case ok = 0, failed, timedOut
        static func < (a: Outcome, b: Outcome) -> Bool { a.rawValue < b.rawValue }
        /// The CSS class that colours it.
        var cssClass: String { ["ok", "failed", "timedout"][rawValue] }
    }

    /// Per client, its replies in order: when and how.
    private(set) var byClient: [NodeName: [(at: VirtualInstant, outcome: Outcome)]] = [:]
    /// Every reply in time order.
    private(set) var all: [(at: VirtualInstant, outcome: Outcome)] = []
    /// Per answered request: when the answer came and how long after the client sent the
    /// attempt that was answered (found by following the reply back to the client's send).
    private(set) var latencies: [(at: VirtualInstant, nanoseconds: Int64)] = []

    init(_ events: [TraceEvent], tracer: FlowTracer? = nil) {
        for (i, e) in events.enumerated() where e.kind == .node && e.label == NodeLog.clientReply {
            guard let client = e.node else { continue }
            let outcome: Outcome = e.fields.text("result") == "ok" ? .ok
                : e.fields.text("reason") == "no-answer" ? .timedOut : .failed
            byClient[client, default: []].append((e.at, outcome))
            all.append((e.at, outcome))
            if outcome != .timedOut, let tracer,
               let sent = tracer.sendsAbove(i, limit: 12).last(where: { events[$0].node == client }) {
                latencies.append((e.at, events[sent].at.duration(to: e.at).nanosecondsClamped))
            }
        }
    }
}

extension RunReport {
    /// Lanes of the per-client request timeline.
    static let requestLanes = 40
    /// Columns of the per-client request timeline (each shows its worst outcome).
    static let requestColumns = 250

    /// The requests section: throughput (ok, failed, timed out per second) and availability over
    /// time, then a per-client timeline of outcomes (clients with failures first).
    func requestsSection(_ timeline: RunTimeline, tracer: FlowTracer) -> String {
        let r = RequestOutcomes(events, tracer: tracer)
        var out = "<section id=\"requests\"><h2>Requests</h2>\n"
        guard !r.all.isEmpty else { return out + "<p>No client request was answered in this run.</p>\n</section>\n" }
        let ok = r.all.filter { $0.outcome == .ok }.count, timedOut = r.all.filter { $0.outcome == .timedOut }.count
        out += "<p class=\"note\">\(r.all.count) requests ended: \(ok) ok, \(r.all.count - ok - timedOut) refused, \(timedOut) timed out "
        out += "(no answer after every retry). Bars: requests ended per second of virtual time; line: availability, the share that ended ok.</p>\n"
        out += throughputSVG(r, timeline: timeline)
        if !r.latencies.isEmpty {
            let series = LatencySeries(samples: r.latencies, end: end, bucketCount: ReportLimits.latencyBuckets, adaptive: true)
            out += "<h3>Request latency</h3>\n<p class=\"note\">\(r.latencies.count) answered requests: from the client's send of the attempt "
            out += "that was answered to its reply, per \(Self.seconds(VirtualInstant(nanoseconds: series.width.nanosecondsClamped))) "
            out += "of virtual time (median, p99 where a bucket holds at least \(LatencySeries.minimumForP99), largest; log scale).</p>\n"
            out += latencySVG(series, timeline: timeline, what: "request answered")
        }
        out += "<h3>Per client</h3>\n<p class=\"note\">One row per client (those with a failed or timed-out request first, at most "
        out += "\(Self.requestLanes)); each mark is the worst outcome of its requests in that slice of time, as in Jepsen's timeline.</p>\n"
        out += clientTimelineSVG(r)
        return out + "</section>\n"
    }

    private func throughputSVG(_ r: RequestOutcomes, timeline: RunTimeline) -> String {
        let left = 130.0, width = 1000.0, top = 10.0, bottom = 170.0
        let buckets = 100
        let span = max(1, end.nanoseconds)
        let step = max(1, (span + Int64(buckets) - 1) / Int64(buckets))
        var counts = Array(repeating: [0, 0, 0], count: buckets)
        for e in r.all { counts[min(buckets - 1, Int(max(0, e.at.nanoseconds) / step))][e.outcome.rawValue] += 1 }
        let perSecond = 1e9 / Double(step)
        let most = max(1, counts.map { $0.reduce(0, +) }.max() ?? 1)
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / (Double(most) * perSecond) }
        func x(_ k: Int) -> Double { left + width * Double(k) / Double(buckets) }
        var out = Self.chartOpen(width: left + width + 60, height: bottom + 46)
        for frac in [0.0, 0.5, 1.0] {
            let v = frac * Double(most) * perSecond
            out += "<line class=\"grid\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(y(v)))\" x2=\"\(Self.f1(left + width))\" y2=\"\(Self.f1(y(v)))\"/>"
            out += "<text x=\"\(Self.f1(left - 6))\" y=\"\(Self.f1(y(v) + 4))\" text-anchor=\"end\">\(Self.number(v >= 10 ? v.rounded() : (v * 10).rounded() / 10))/s</text>"
            out += "<text x=\"\(Self.f1(left + width + 6))\" y=\"\(Self.f1(bottom - (bottom - top) * frac + 4))\">\(Int(frac * 100))%</text>\n"
        }
        var avail: [String] = []
        for (k, c) in counts.enumerated() {
            var base = 0.0
            for o in [RequestOutcomes.Outcome.ok, .failed, .timedOut] where c[o.rawValue] > 0 {
                let v = Double(c[o.rawValue]) * perSecond
                out += "<rect class=\"\(o.cssClass)\" x=\"\(Self.f1(x(k) + 0.5))\" y=\"\(Self.f1(y(base + v)))\" width=\"\(Self.f1(width / Double(buckets) - 1))\" height=\"\(Self.f1(y(base) - y(base + v)))\">"
                out += "<title>\(c[o.rawValue]) \(o.cssClass) from \(Self.seconds(VirtualInstant(nanoseconds: Int64(k) * step)))</title></rect>"
                base += v
            }
            let total = c.reduce(0, +)
            if total > 0 {
                avail.append("\(Self.f1(x(k) + width / Double(buckets) / 2)),\(Self.f1(bottom - (bottom - top) * Double(c[0]) / Double(total)))")
            }
            out += "\n"
        }
        out += "<polyline class=\"avail\" points=\"\(avail.joined(separator: " "))\"/>\n"
        out += "<line class=\"axis\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(bottom))\" x2=\"\(Self.f1(left + width))\" y2=\"\(Self.f1(bottom))\"/>"
        out += "<text x=\"\(Self.f1(left + width / 2))\" y=\"\(Self.f1(bottom + 34))\" text-anchor=\"middle\" class=\"atitle\">virtual time: \(Self.seconds(.zero)) – \(Self.seconds(end))</text>"
        out += "<text transform=\"rotate(-90)\" x=\"\(Self.f1(-(top + bottom) / 2))\" y=\"14\" text-anchor=\"middle\" class=\"atitle\">requests per second</text>\n"
        out += "</svg>\n"
        out += "<p class=\"legend\"><span><i style=\"background:#2a7\"></i>ok</span><span><i style=\"background:#c33\"></i>refused</span>"
        out += "<span><i style=\"background:#f3c24f\"></i>timed out</span><span><i style=\"background:#2a7;height:2px\"></i>availability (right axis)</span></p>\n"
        return out
    }

    private func clientTimelineSVG(_ r: RequestOutcomes) -> String {
        let clients = r.byClient.keys.sorted { a, b in
            let fa = r.byClient[a]!.contains { $0.outcome != .ok }, fb = r.byClient[b]!.contains { $0.outcome != .ok }
            return fa != fb ? fa : a.index < b.index
        }
        let shown = Array(clients.prefix(Self.requestLanes))
        let left = 130.0, width = 1000.0, laneHeight = 12.0, top = 4.0
        let span = max(1, end.nanoseconds)
        let columns = Self.requestColumns
        var out = Self.chartOpen(width: left + width + 20, height: top + laneHeight * Double(shown.count) + 30)
        for (k, client) in shown.enumerated() {
            let y = top + laneHeight * Double(k)
            out += "<text x=\"\(Self.f1(left - 6))\" y=\"\(Self.f1(y + 10))\" text-anchor=\"end\">\(client)</text>"
            var worst = [RequestOutcomes.Outcome?](repeating: nil, count: columns)
            for e in r.byClient[client]! {
                let c = min(columns - 1, Int(Double(max(0, e.at.nanoseconds)) / Double(span) * Double(columns)))
                worst[c] = max(worst[c] ?? .ok, e.outcome)
            }
            var c = 0
            while c < columns {
                guard let o = worst[c] else { c += 1; continue }
                var d = c
                while d + 1 < columns, worst[d + 1] == o { d += 1 }
                let x0 = left + width * Double(c) / Double(columns), x1 = left + width * Double(d + 1) / Double(columns)
                out += "<rect class=\"\(o.cssClass)\" x=\"\(Self.f1(x0))\" y=\"\(Self.f1(y + 2))\" width=\"\(Self.f1(max(1.5, x1 - x0)))\" height=\"\(Self.f1(laneHeight - 4))\"/>"
                c = d + 1
            }
            out += "\n"
        }
        let yb = top + laneHeight * Double(shown.count)
        out += "<text x=\"\(Self.f1(left + width / 2))\" y=\"\(Self.f1(yb + 20))\" text-anchor=\"middle\" class=\"atitle\">virtual time: \(Self.seconds(.zero)) – \(Self.seconds(end))</text>\n"
        out += "</svg>\n"
        if clients.count > shown.count { out += "<p class=\"note\">\(clients.count - shown.count) more clients not drawn.</p>\n" }
        return out
    }
}
