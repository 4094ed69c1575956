import NetModel

extension RunReport {
    /// The report in Markdown: the experiment, the checks, the metrics, the faults, push latency,
    /// and a Mermaid `sequenceDiagram` of the first occurrence of each flow of
    /// ``FlowKind/reportFlows`` found in the trace (participants: the nodes in that flow; arrows:
    /// real sends and deliveries).
    /// - Returns: the Markdown text.
    package func markdown() -> String {
        var out = "# \(experiment.name): \(passed ? "PASS" : "FAIL")\n\n**\(verdict).**\n\n"
        if !experiment.description.isEmpty { out += experiment.description + "\n\n" }
        out += "Seed \(seed), \(events.count) events, trace `\(traceHash)`, "
        out += "\(experiment.cluster.frontends) frontends, \(experiment.workload.clients) clients, "
        out += "\(faultCountText), \(DurationText.format(experiment.duration)) + "
        out += "\(DurationText.format(experiment.settle)) settle.\n\n"

        out += "## Checks\n\n| check | result | detail |\n|---|---|---|\n"
        for c in checks {
            let result = c.passed ? "✓ pass" : "✗ FAIL ([counterexample](#\(Self.counterexampleAnchor(c.name))))"
            out += "| \(Self.cell(c.name)) | \(result) | \(Self.cell(c.detail)) |\n"
        }
        let failed = checks.filter { !$0.passed }
        if !failed.isEmpty {
            out += "\n## Why it failed\n\nEach failed check's first counterexample, from the trace: arrows are real messages "
            out += "with their send and delivery times; notes marked ▶ are the events the check found.\n"
            let traces = counterexampleTraces(FlowTracer(events))
            for c in failed {
                out += "\n<a id=\"\(Self.counterexampleAnchor(c.name))\"></a>\n\n### \(c.name)\n\n"
                if let t = traces.first(where: { $0.check == c.name }) {
                    out += "**\(t.counterexample.summary)** (\(t.counterexample.kind.rawValue), at t=\(Self.seconds(t.counterexample.at))).\n\n"
                    out += "```mermaid\n" + Self.counterexampleMermaid(t.diagram) + "```\n"
                } else {
                    out += "This check names no single event of the trace: \(Self.cell(c.detail))\n"
                }
            }
        }
        out += "\n## Metrics\n\n| metric | value | unit | meaning |\n|---|---|---|---|\n"
        for (k, v) in metrics {
            let g = MetricGlossary.entry(k)
            out += "| `\(k)` | \(Self.number(v)) | \(g.unit) | \(Self.cell(g.meaning)) |\n"
        }

        let timeline = RunTimeline(events, end: end)
        out += "\n## Faults\n\n"
        if experiment.faults.isEmpty {
            out += "None.\n"
        } else {
            out += "The experiment's \(faultCountText), as the trace recorded them, and the periods they caused:\n\n"
            out += "| at | fault |\n|---|---|\n"
            for e in events where [.crash, .restart, .pause, .resume, .partition, .heal, .clockOffset].contains(e.kind) {
                let what = "\(e.node.map { "\($0) " } ?? "")\(e.kind)\(e.detail.isEmpty ? "" : " " + e.detail)"
                out += "| \(Self.seconds(e.at)) | \(Self.cell(what)) |\n"
            }
            if !timeline.faults.isEmpty {
                out += "\n| period from | to | what |\n|---|---|---|\n"
                for f in timeline.faults {
                    out += "| \(Self.seconds(f.start)) | \(Self.seconds(f.end)) | \(Self.cell(f.label)) |\n"
                }
            }
        }

        let latency = LatencySeries(events, end: end, bucketCount: 20)
        out += "\n## Push latency\n\n"
        if latency.histogram.count == 0 {
            out += "No push was received.\n"
        } else {
            out += "\(latency.histogram.count) pushes received. Over time (buckets of "
            out += "\(DurationText.format(latency.width)); p99 only where a bucket holds at least \(LatencySeries.minimumForP99) pushes):\n\n| from | pushes | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n"
            for b in latency.buckets {
                out += "| \(SequenceDiagram.milliseconds(b.start)) | \(b.count) | \(Self.ms(b.p50)) | \(b.p99.map(Self.ms) ?? "–") | \(Self.ms(b.max)) |\n"
            }
            out += "\nHistogram (log-scale buckets):\n\n| up to | pushes |\n|---|---|\n"
            for b in latency.histogram.buckets { out += "| \(Self.ms(b.upperBoundNanoseconds)) ms | \(b.count) |\n" }
        }

        out += "\n## Flows\n\nThe first occurrence of each flow in this run's trace: every arrow is a real send "
        out += "and its delivery (`-x` marks a drop), notes are what the nodes logged.\n"
        let catalog = FlowCatalog(events)
        for flow in FlowKind.reportFlows {
            out += "\n### \(flow.rawValue): \(flow.title)\n\n"
            if let d = catalog.diagram(flow) {
                out += "```mermaid\n" + d.mermaid + "```\n"
            } else {
                out += "Not in this run.\n"
            }
        }
        return out
    }

    /// Text safe in a Markdown table cell.
    static func cell(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// A metric value: an integer, or three decimals.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        let thousandths = Int64((v * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let a = thousandths.magnitude
        let frac = String(a % 1000)
        return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    /// Nanoseconds as milliseconds with three decimals.
    static func ms(_ ns: Int64) -> String { number(Double(ns) / 1e6) }
}
