import Foundation
import NetModel

extension RunReport {
    private static let chartLeft = 130.0
    private static let chartWidth = 1000.0

    /// The x coordinate of `at` on a chart of the whole run.
    private func x(_ at: VirtualInstant) -> Double {
        let span = Double(max(1, end.nanoseconds))
        return Self.chartLeft + Self.chartWidth * min(1, max(0, Double(at.nanoseconds) / span))
    }

    /// Time ticks along the run (about ten), as grid lines and labels at `y`.
    private func timeAxis(top: Double, bottom: Double) -> String {
        let span = max(1, end.nanoseconds)
        let steps: [Int64] = [1, 2, 5].flatMap { m in (0...12).map { m * powerOfTen($0) } }.sorted()
        let step = steps.first { span / $0 <= 10 } ?? span
        var out = ""
        var t: Int64 = 0
        while t <= span {
            let at = VirtualInstant(nanoseconds: t)
            out += "<line class=\"grid\" x1=\"\(Self.f1(x(at)))\" y1=\"\(Self.f1(top))\" x2=\"\(Self.f1(x(at)))\" y2=\"\(Self.f1(bottom))\"/>"
            out += "<text x=\"\(Self.f1(x(at)))\" y=\"\(Self.f1(bottom + 14))\" text-anchor=\"middle\">\(Self.escape(DurationText.format(.nanoseconds(t))))</text>\n"
            t += step
        }
        return out
    }

    /// Shaded fault periods between `top` and `bottom`.
    private func faultBands(_ timeline: RunTimeline, top: Double, bottom: Double) -> String {
        var out = ""
        for f in timeline.faults.prefix(ReportLimits.faultBands) {
            let x0 = x(f.start), w = max(1.5, x(f.end) - x0)
            out += "<rect class=\"band\" x=\"\(Self.f1(x0))\" y=\"\(Self.f1(top))\" width=\"\(Self.f1(w))\" height=\"\(Self.f1(bottom - top))\">"
            out += "<title>\(Self.escape(Self.clip(f.label, ReportLimits.label))) \(SequenceDiagram.milliseconds(f.start)) – \(SequenceDiagram.milliseconds(f.end))</title></rect>\n"
        }
        return out
    }

    /// One lane per server node (at most ``ReportLimits/timelineLanes``), its states as coloured
    /// intervals, fault periods shaded across all lanes.
    func timelineSVG(_ timeline: RunTimeline) -> String {
        let nodes = Array(serverNodes.prefix(ReportLimits.timelineLanes))
        let laneHeight = 18.0, top = 10.0
        let bottom = top + laneHeight * Double(nodes.count)
        let height = bottom + 40
        var out = Self.chartOpen(width: Self.chartLeft + Self.chartWidth + 20, height: height)
        out += timeAxis(top: top, bottom: bottom)
        for (k, node) in nodes.enumerated() {
            let y = top + laneHeight * Double(k)
            out += "<text x=\"\(Self.f1(Self.chartLeft - 6))\" y=\"\(Self.f1(y + 13))\" text-anchor=\"end\">\(node)</text>"
            out += "<rect class=\"up\" x=\"\(Self.f1(Self.chartLeft))\" y=\"\(Self.f1(y + 2))\" width=\"\(Self.f1(Self.chartWidth))\" height=\"\(Self.f1(laneHeight - 4))\"/>\n"
            for s in (timeline.states[node] ?? []).prefix(ReportLimits.segmentsPerLane) {
                let x0 = x(s.start), w = max(1.5, x(s.end) - x0)
                let inset = s.label == NodeState.partitioned.rawValue ? 6.0 : 2.0
                out += "<rect class=\"\(s.label)\" x=\"\(Self.f1(x0))\" y=\"\(Self.f1(y + inset))\" width=\"\(Self.f1(w))\" height=\"\(Self.f1(laneHeight - 2 * inset))\">"
                out += "<title>\(node) \(s.label) \(SequenceDiagram.milliseconds(s.start)) – \(SequenceDiagram.milliseconds(s.end))</title></rect>\n"
            }
        }
        let laneOf = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        var drawnMarks = 0
        for m in timeline.marks where drawnMarks < ReportLimits.faultBands * 4 {
            guard let k = laneOf[m.node] else { continue }
            drawnMarks += 1
            let y = top + laneHeight * Double(k), xm = x(m.at)
            out += "<line class=\"tick-\(m.kind.rawValue)\" x1=\"\(Self.f1(xm))\" y1=\"\(Self.f1(y))\" x2=\"\(Self.f1(xm))\" y2=\"\(Self.f1(y + laneHeight))\">"
            out += "<title>\(m.node) \(Self.markText(m.kind)) at \(Self.seconds(m.at))</title></line>\n"
        }
        out += faultBands(timeline, top: top, bottom: bottom)
        out += "<text x=\"\(Self.f1(Self.chartLeft + Self.chartWidth / 2))\" y=\"\(Self.f1(bottom + 30))\" text-anchor=\"middle\" class=\"atitle\">virtual time</text>\n"
        out += "</svg>\n"
        out += "<p class=\"legend\"><span><i style=\"background:#2b6cb0\"></i>clock offset</span><span><i style=\"background:#c33\"></i>removed from the registry</span>"
        out += "<span><i style=\"background:#8a4fd1\"></i>session re-sync</span><span><i style=\"background:#dd8a1e\"></i>kick</span></p>\n"
        out += "<p class=\"legend\"><span><i class=\"up\" style=\"background:#bfe5c8\"></i>up</span><span><i style=\"background:#e06666\"></i>down</span>"
        out += "<span><i style=\"background:#f3c24f\"></i>paused</span><span><i style=\"background:#9b7fd1\"></i>partitioned</span></p>\n"
        if serverNodes.count > nodes.count {
            out += "<p class=\"note\">\(serverNodes.count - nodes.count) more server nodes not drawn.</p>\n"
        }
        return out
    }

    /// The opening tag of a chart drawn in a `width` × `height` box, scaled to the page width.
    static func chartOpen(width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" style=\"max-width:\(Int(width))px\" role=\"img\">\n"
    }

    /// What a lane mark means, in words.
    static func markText(_ kind: RunTimeline.Mark) -> String {
        switch kind {
        case .offset: "clock offset"
        case .removed: "removed from the registry"
        case .resync: "session re-sync"
        case .kick: "kick of an older session"
        }
    }

    /// Median, p99 and largest push latency per time bucket, log scale, fault periods shaded.
    func latencySVG(_ series: LatencySeries, timeline: RunTimeline, what: String = "push received") -> String {
        let top = 10.0, bottom = 210.0
        let lo = max(1_000.0, Double(series.buckets.map(\.p50).min() ?? 1_000))
        let hi = max(lo * 10, Double(series.buckets.map(\.max).max() ?? 1_000))
        let lo10 = Int(log10(lo).rounded(.down)), hi10 = Int(log10(hi).rounded(.down)) + 1
        func y(_ ns: Int64) -> Double {
            let v = log10(max(Double(ns), Double(powerOfTen(lo10))))
            return bottom - (bottom - top) * (v - Double(lo10)) / Double(max(1, hi10 - lo10))
        }
        var out = Self.chartOpen(width: Self.chartLeft + Self.chartWidth + 20, height: bottom + 40)
        out += timeAxis(top: top, bottom: bottom)
        for e in lo10...hi10 {
            let ns = powerOfTen(e)
            out += "<line class=\"grid\" x1=\"\(Self.f1(Self.chartLeft))\" y1=\"\(Self.f1(y(ns)))\" x2=\"\(Self.f1(Self.chartLeft + Self.chartWidth))\" y2=\"\(Self.f1(y(ns)))\"/>"
            out += "<text x=\"\(Self.f1(Self.chartLeft - 6))\" y=\"\(Self.f1(y(ns) + 4))\" text-anchor=\"end\">\(Self.ms(ns)) ms</text>\n"
        }
        out += faultBands(timeline, top: top, bottom: bottom)
        let half = series.width / 2
        for (cls, value) in [("max", { (b: LatencySeries.Bucket) -> Int64? in b.max }), ("p99", { $0.p99 }), ("p50", { $0.p50 })] {
            // A line per run of buckets that have the value; a lone point is a dot.
            var runs: [[String]] = [[]]
            for b in series.buckets {
                if let v = value(b) { runs[runs.count - 1].append("\(Self.f1(x(b.start.advanced(by: half)))),\(Self.f1(y(v)))") } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for r in runs where !r.isEmpty {
                if r.count == 1 {
                    let xy = r[0].split(separator: ",")
                    out += "<circle class=\"\(cls)\" cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2\"/>\n"
                } else {
                    out += "<polyline class=\"\(cls)\" points=\"\(r.joined(separator: " "))\"/>\n"
                }
            }
        }
        out += "<text x=\"\(Self.f1(Self.chartLeft + Self.chartWidth / 2))\" y=\"\(Self.f1(bottom + 34))\" text-anchor=\"middle\" class=\"atitle\">virtual time (\(what))</text>"
        out += "<text transform=\"rotate(-90)\" x=\"\(Self.f1(-(top + bottom) / 2))\" y=\"14\" text-anchor=\"middle\" class=\"atitle\">latency (log)</text>\n"
        out += "</svg>\n"
        out += "<p class=\"legend\"><span><i style=\"background:#2b6cb0\"></i>median</span><span><i style=\"background:#dd8a1e\"></i>p99</span>"
        out += "<span><i style=\"background:#c33\"></i>max</span><span><i style=\"background:#f4caca\"></i>fault period</span></p>\n"
        let without = series.buckets.filter { $0.p99 == nil }.count
        if without > 0 {
            out += "<p class=\"note\">\(without) of \(series.buckets.count) buckets hold fewer than \(LatencySeries.minimumForP99) samples: no p99 drawn there.</p>\n"
        }
        return out
    }

    /// The log-scale latency buckets as bars on a log count axis, with titled axes; bucket labels
    /// are written every few bars so that they never overlap.
    func histogramSVG(_ h: LatencyHistogram) -> String {
        let filled = h.counts.indices.filter { h.counts[$0] > 0 }
        guard let a = filled.first, let b = filled.last else { return "" }
        let left = 70.0, top = 10.0, bottom = 190.0
        let bars = Double(b - a + 1)
        let plotWidth = 1000.0, barWidth = plotWidth / max(bars, 1)
        let most = max(1, h.counts.max() ?? 1)
        let decades = max(1, Int(log10(Double(most)).rounded(.up)))
        func y(_ count: Int) -> Double {
            count <= 0 ? bottom : bottom - (bottom - top) * (log10(Double(count)) + 1) / Double(decades + 1)
        }
        var out = Self.chartOpen(width: left + plotWidth + 20, height: bottom + 50)
        for d in 0...decades {
            let c = Int(powerOfTen(d)), yc = y(c)
            out += "<line class=\"grid\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(yc))\" x2=\"\(Self.f1(left + plotWidth))\" y2=\"\(Self.f1(yc))\"/>"
            out += "<text x=\"\(Self.f1(left - 6))\" y=\"\(Self.f1(yc + 4))\" text-anchor=\"end\">\(c)</text>\n"
        }
        out += "<line class=\"axis\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(bottom))\" x2=\"\(Self.f1(left + plotWidth))\" y2=\"\(Self.f1(bottom))\"/>\n"
        let labelEvery = max(1, Int((bars * 60 / plotWidth).rounded(.up)))
        for k in a...b {
            let count = h.counts[k]
            let x0 = left + barWidth * Double(k - a)
            if count > 0 {
                out += "<rect class=\"bar\" x=\"\(Self.f1(x0 + 1))\" y=\"\(Self.f1(y(count)))\" width=\"\(Self.f1(max(1, barWidth - 2)))\" height=\"\(Self.f1(bottom - y(count)))\">"
                out += "<title>\(count) pushes up to \(Self.ms(LatencyHistogram.upperBound(ofBucket: k))) ms</title></rect>"
            }
            if (k - a) % labelEvery == 0 {
                out += "<text x=\"\(Self.f1(x0 + barWidth / 2))\" y=\"\(Self.f1(bottom + 14))\" text-anchor=\"middle\">≤\(Self.shortMS(LatencyHistogram.upperBound(ofBucket: k)))</text>"
            }
            out += "\n"
        }
        out += "<text x=\"\(Self.f1(left + plotWidth / 2))\" y=\"\(Self.f1(bottom + 36))\" text-anchor=\"middle\" class=\"atitle\">push latency (bucket upper bound, log scale)</text>"
        out += "<text transform=\"rotate(-90)\" x=\"\(Self.f1(-(top + bottom) / 2))\" y=\"14\" text-anchor=\"middle\" class=\"atitle\">pushes (log)</text>\n"
        out += "</svg>\n"
        return out
    }

    /// A bucket bound in short form: `512µs`, `2ms`, `1.0s`.
    static func shortMS(_ ns: Int64) -> String {
        if ns < 1_000_000 { return "\(ns / 1_000)µs" }
        if ns < 1_000_000_000 { return "\(ns / 1_000_000)ms" }
        return "\(ns / 1_000_000_000)s"
    }
}

/// 10^e as an integer (e from 0 to 18).
func powerOfTen(_ e: Int) -> Int64 {
    var r: Int64 = 1
    for _ in 0..<max(0, min(18, e)) { r *= 10 }
    return r
}
