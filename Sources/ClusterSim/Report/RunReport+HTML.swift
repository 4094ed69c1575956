import NetModel

/// The limits that keep `report.html` small whatever the size of the run: every chart is drawn
/// from aggregates or from capped selections, so the page stays under ``maximumBytes``.
package enum ReportLimits {
    /// Lanes of the node timeline (server nodes; clients are never lanes there).
    package static let timelineLanes = 64
    /// State intervals drawn per timeline lane.
    package static let segmentsPerLane = 40
    /// Fault periods shaded on the charts.
    package static let faultBands = 100
    /// Time buckets of the push latency chart.
    package static let latencyBuckets = 120
    /// Pre-rendered windows of the message-flow diagram (the start, then around each fault).
    package static let flowWindows = 6
    /// Messages drawn per message-flow window.
    package static let messagesPerWindow = 600
    /// Lanes per message-flow window.
    package static let flowLanes = 32
    /// Characters of a check's detail shown.
    package static let checkDetail = 600
    /// Checks and metrics listed.
    package static let tableRows = 100
    /// Characters of the experiment's description shown.
    package static let description = 4_000
    /// Characters of a name or a fault's label shown (a partition of many nodes has a long one).
    package static let label = 160
    /// The bound on `report.html`'s size that these limits guarantee (2 MiB).
    package static let maximumBytes = 2 * 1024 * 1024
}

extension RunReport {
    /// The report as one self-contained page: inline CSS, inline SVG charts drawn here, and a few
    /// lines of inline script of our own that switch the message-flow window — nothing loaded from
    /// elsewhere. The markup is well-formed XML (XHTML-like: every element closed, attributes
    /// quoted, text escaped). Its size is bounded by ``ReportLimits/maximumBytes`` whatever the
    /// number of events.
    /// - Returns: the HTML text.
    package func html() -> String {
        let timeline = RunTimeline(events, end: end)
        let tracer = FlowTracer(events)
        let traces = counterexampleTraces(tracer)
        let windows = flowWindows(timeline, counterexamples: traces.map { ($0.check, $0.span) })
        var flowWindow: [String: String] = [:]
        for (k, t) in traces.enumerated() where k < windows.count { flowWindow[t.check] = "flow-window-\(k)" }
        var out = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
        let name = Self.escape(Self.clip(experiment.name, ReportLimits.label))
        out += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<title>\(name) — ClusterSim report</title>\n"
        out += "<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        out += "<header><h1>\(name) <span class=\"\(passed ? "pass" : "fail")\">"
        out += "\(passed ? "PASS" : "FAIL")</span></h1>\n"
        out += "<p id=\"verdict\" class=\"verdict \(passed ? "pass" : "fail")\">\(Self.escape(verdict))</p>\n"
        out += "<p class=\"meta\">seed \(seed) · \(events.count) events · trace <code>\(traceHash)</code> · "
        out += "\(experiment.cluster.frontends) frontends · \(experiment.workload.clients) clients · "
        out += "\(faultCountText) · \(DurationText.format(experiment.duration)) + "
        out += "\(DurationText.format(experiment.settle)) settle</p>\n</header>\n"
        out += checksSection() + counterexampleSection(traces, flowWindow: flowWindow)
        out += "<section id=\"description\"><h2>Experiment</h2>\n<p>\(Self.escape(experiment.description.isEmpty ? "(no description)" : Self.clip(experiment.description, ReportLimits.description)))</p>\n</section>\n"
        out += metricsSection()
        out += "<section id=\"timeline\"><h2>Timeline of nodes</h2>\n"
        out += "<p class=\"note\">Each server node's lane: up, down (crashed), paused, partitioned. Fault periods are shaded; "
        out += "instant faults and reactions (clock offsets, removals from the registry, session re-syncs, kicks) are ticks on their lane.</p>\n"
        out += timelineSVG(timeline) + "</section>\n"
        out += requestsSection(timeline, tracer: tracer)
        let latency = LatencySeries(events, end: end, bucketCount: ReportLimits.latencyBuckets, adaptive: true)
        out += "<section id=\"latency\"><h2>Push latency</h2>\n"
        if latency.histogram.count == 0 {
            out += "<p>No push was received in this run.</p>\n"
        } else {
            out += "<p class=\"note\">\(latency.histogram.count) pushes received. Per \(Self.seconds(VirtualInstant(nanoseconds: latency.width.nanosecondsClamped))) of virtual time: "
            out += "the median of every bucket, the 99th percentile only where a bucket holds at least \(LatencySeries.minimumForP99) pushes, "
            out += "and the largest (log scale).</p>\n"
            out += latencySVG(latency, timeline: timeline)
            out += "<h3>Histogram</h3>\n" + histogramSVG(latency.histogram)
        }
        out += "</section>\n"
        out += flowSection(windows, links: tracer.links)
        out += "<footer><p>Written by simctl from the recorded trace. Charts are aggregated and capped "
        out += "(\(ReportLimits.messagesPerWindow) messages per flow window, \(ReportLimits.timelineLanes) timeline lanes) so that "
        out += "this page stays under \(ReportLimits.maximumBytes / 1024) KiB for any run; the full trace is in trace.jsonl "
        out += "and trace.perfetto.json when the run wrote them (`--trace`).</p></footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    /// `6 faults` (the experiment's fault actions), the same words in every view.
    var faultCountText: String {
        "\(experiment.faults.count) fault\(experiment.faults.count == 1 ? "" : "s")"
    }

    private func checksSection() -> String {
        var out = "<section id=\"checks\"><h2>Checks</h2>\n<div class=\"wide\"><table>\n<thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead>\n<tbody>\n"
        for c in checks.prefix(ReportLimits.tableRows) {
            let detail = c.detail.count > ReportLimits.checkDetail ? String(c.detail.prefix(ReportLimits.checkDetail)) + " …" : c.detail
            out += "<tr class=\"\(c.passed ? "pass" : "fail")\"><td>\(Self.escape(c.name))</td>"
            if c.passed {
                out += "<td>✓ pass</td>"
            } else {
                out += "<td>✗ FAIL<br/><a class=\"cx-link\" href=\"#\(Self.counterexampleAnchor(c.name))\">counterexample</a></td>"
            }
            out += "<td>\(Self.escape(detail))</td></tr>\n"
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }

    private func metricsSection() -> String {
        var out = "<section id=\"metrics\"><h2>Metrics</h2>\n<div class=\"wide\"><table>\n<thead><tr><th>metric</th><th>value</th><th>unit</th><th>meaning</th></tr></thead>\n<tbody>\n"
        for (k, v) in metrics.prefix(ReportLimits.tableRows) {
            let g = MetricGlossary.entry(k)
            out += "<tr><td><code>\(Self.escape(k))</code></td><td class=\"num\">\(Self.number(v))</td>"
            out += "<td>\(Self.escape(g.unit))</td><td>\(Self.escape(g.meaning))</td></tr>\n"
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }

    /// `text` cut to `limit` characters (with `…` when cut).
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// Text escaped for XML and HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case _ where u.value < 0x20 && u != "\n" && u != "\t": out += " "
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with one decimal.
    static func f1(_ x: Double) -> String {
        let tenths = Int64((x * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let a = tenths.magnitude
        return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
    }

    static let css = """
    body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 12px;font-size:15px}
    .verdict{font-size:1.2em;font-weight:600;padding:8px 12px;border-radius:4px}.verdict.pass{background:#e6f5ea}.verdict.fail{background:#fde8e8}
    .wide{overflow-x:auto}svg.chart,svg.seq{width:100%;height:auto}
    .counterexample{border-left:4px solid #c33;padding-left:10px;margin:16px 0}
    .seq .hdr{font-weight:600}.seq .t{fill:#555}.seq .ml{fill:#333}.seq .nt{fill:#222}
    .note-box,.seq rect.note{fill:#f4f4f4;stroke:#bbb}.seq rect.mark{fill:#fff3c4;stroke:#c90}.seq .dot{fill:#555}.seq .dot.mark{fill:#c33}
    .flow-window{overflow:auto;max-height:80vh;border:1px solid #eee}.flow-head{position:sticky;top:0;background:#fff;z-index:1;border-bottom:1px solid #ddd}
    .flow-head svg{margin:0}.fault rect{fill:#e06666}.fault text{fill:#fff;font-size:9px}.fault .cut{stroke:#9b7fd1;stroke-width:2;stroke-dasharray:6 3}
    g.fault>text{fill:#6b4fa1}.gap{stroke:#999;stroke-dasharray:2 4}.gaplabel{fill:#777}
    .controls input{width:14em}.tick-offset{stroke:#2b6cb0;stroke-width:2}.tick-removed{stroke:#c33;stroke-width:2}.tick-resync{stroke:#8a4fd1;stroke-width:2}.tick-kick{stroke:#dd8a1e;stroke-width:2}
    .ok{fill:#2a7}.failed{fill:#c33}.timedout{fill:#f3c24f}.avail{fill:none;stroke:#2a7;stroke-width:1.5}.thr{fill:none;stroke:#2b6cb0;stroke-width:1.5}
    .atitle{fill:#555;font-style:italic}td{overflow-wrap:break-word;word-break:break-word}.cx-link{white-space:nowrap;word-break:keep-all}#timeline,#latency,#requests,.counterexample{overflow-x:auto}select,input{max-width:100%}.flow-window{max-width:100%}
    @media (max-width:600px){body{margin:8px auto;font-size:14px}td,th{padding:2px 4px}svg.chart{min-width:720px}svg.seq{min-width:600px}}
    h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
    .meta,.note{color:#555}code{background:#f4f4f4;padding:1px 4px}
    span.pass{color:#fff;background:#2a7;padding:2px 8px;border-radius:4px;font-size:.7em}
    span.fail{color:#fff;background:#c33;padding:2px 8px;border-radius:4px;font-size:.7em}
    table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
    tr.fail td{background:#fde8e8}tr.pass td:nth-child(2){color:#2a7}td.num{text-align:right;font-variant-numeric:tabular-nums}
    svg{display:block;margin:8px 0;font-size:11px}svg text{fill:#333}
    .up{fill:#bfe5c8}.down{fill:#e06666}.paused{fill:#f3c24f}.partitioned{fill:#9b7fd1}
    .band{fill:#e06666;fill-opacity:.10}.axis{stroke:#999;stroke-width:1}.grid{stroke:#eee;stroke-width:1}
    .p50{fill:none;stroke:#2b6cb0;stroke-width:1.5}.p99{fill:none;stroke:#dd8a1e;stroke-width:1.5}.max{fill:none;stroke:#c33;stroke-width:1;stroke-dasharray:3 2}
    .bar{fill:#2b6cb0}.lane{stroke:#ccc;stroke-width:1}
    .m-mgmt{stroke:#999}.m-push{stroke:#2b6cb0}.m-req{stroke:#2a7}.m-stream{stroke:#8a4fd1}.m-chat{stroke:#dd8a1e}.m-other{stroke:#555}
    .m{stroke-width:1}.dropmark{stroke:#c33;stroke-width:2}.flow-window{overflow-x:auto}
    .legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:18px;height:3px;margin-right:4px;vertical-align:middle}
    footer{margin-top:40px;color:#777;font-size:.9em}

    """
}
