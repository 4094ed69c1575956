import NetModel

extension RunReport {
    /// The process id of a role's tracks in `trace.perfetto.json` (the network's own track is 100).
    static func perfettoProcess(_ role: NodeRole) -> Int { SequenceDiagram.laneOrder(role) + 1 }
    /// The process id of the network track (partitions, faults).
    static let perfettoNetwork = 100

    /// The trace in the Chrome trace-event format (a JSON object with `traceEvents`, timestamps in
    /// microseconds), for Perfetto (ui.perfetto.dev) or chrome://tracing.
    ///
    /// One track per node: its role is the process (`pid`, named by a `process_name` record), its
    /// number the thread (`tid`, named by a `thread_name` record). Each send and delivery is a
    /// zero-length slice named by the message kind, joined by a flow arrow (`s` at the send, `f` at
    /// the delivery, the flow id being the send's trace position); drops and node events are
    /// instants; `down` and `paused` periods are slices (`B`/`E`) on the node's track; partitions
    /// are slices on the network track (pid 100), one thread per partition; faults are global
    /// instants there. Events come in trace order, so timestamps never decrease on a track.
    /// - Returns: the JSON text.
    package func perfettoJSON() -> String {
        let links = MessageLinks(events)
        var out = "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"experiment\":\(jsonString(experiment.name)),"
        out += "\"seed\":\"\(seed)\",\"trace\":\"\(traceHash)\"},\"traceEvents\":[\n"
        var first = true
        func emit(_ object: String) {
            if !first { out += ",\n" }
            first = false
            out += object
        }
        // Tracks: every node the trace names, sorted.
        var nodes = Set(serverNodes)
        for e in events {
            if let n = e.node { nodes.insert(n) }
            if let p = e.peer { nodes.insert(p) }
        }
        var roles = Set<NodeRole>()
        for n in nodes.sorted(by: SequenceDiagram.lanePrecedes) {
            let pid = Self.perfettoProcess(n.role)
            if roles.insert(n.role).inserted {
                emit("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":\(pid),\"args\":{\"name\":\"\(n.role.rawValue)\"}}")
                emit("{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":\(pid),\"args\":{\"sort_index\":\(pid)}}")
            }
            emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":\(pid),\"tid\":\(n.index),\"args\":{\"name\":\"\(n)\"}}")
        }
        let net = Self.perfettoNetwork
        emit("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":\(net),\"args\":{\"name\":\"network\"}}")
        emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":\(net),\"tid\":0,\"args\":{\"name\":\"faults\"}}")

        func track(_ n: NodeName) -> String { "\"pid\":\(Self.perfettoProcess(n.role)),\"tid\":\(n.index)" }
        var open: [String: String] = [:]  // track → slice name, for B/E
        for (i, e) in events.enumerated() {
            let ts = Self.micros(e.at)
            switch e.kind {
            case .send, .streamOpen:
                guard let n = e.node else { continue }
                let name = FlowTracer.messageLabel(e)
                var args = "\"id\":\(e.messageID)"
                if let p = e.peer { args += ",\"to\":\"\(p)\"" }
                emit("{\"name\":\(jsonString(name)),\"cat\":\"send\",\"ph\":\"X\",\"ts\":\(ts),\"dur\":0,\(track(n)),\"args\":{\(args)}}")
                let o = Int(links.outcomeOf[i])
                if o >= 0, events[o].kind == .deliver {
                    emit("{\"name\":\(jsonString(name)),\"cat\":\"message\",\"ph\":\"s\",\"id\":\(i),\"ts\":\(ts),\(track(n))}")
                }
            case .deliver:
                guard let n = e.node else { continue }
                var args = "\"id\":\(e.messageID)"
                if let p = e.peer { args += ",\"from\":\"\(p)\"" }
                emit("{\"name\":\(jsonString(e.label)),\"cat\":\"deliver\",\"ph\":\"X\",\"ts\":\(ts),\"dur\":0,\(track(n)),\"args\":{\(args)}}")
                let s = Int(links.sendOf[i])
                if s >= 0, links.outcomeOf[s] == Int32(i) {
                    emit("{\"name\":\(jsonString(FlowTracer.messageLabel(events[s]))),\"cat\":\"message\",\"ph\":\"f\",\"bp\":\"e\",\"id\":\(s),\"ts\":\(ts),\(track(n))}")
                }
            case .drop, .node, .streamClose, .duplicate:
                guard let n = e.node else { continue }
                let name = e.kind == .node ? e.label : "\(e.kind) \(e.label)"
                emit("{\"name\":\(jsonString(name)),\"cat\":\"\(e.kind)\",\"ph\":\"i\",\"s\":\"t\",\"ts\":\(ts),\(track(n)),\"args\":{\"detail\":\(jsonString(e.detail))}}")
            case .crash, .pause:
                guard let n = e.node else { continue }
                let name = e.kind == .crash ? "down" : "paused"
                let t = track(n)
                if open[t] != nil { continue }
                open[t] = name
                emit("{\"name\":\"\(name)\",\"cat\":\"fault\",\"ph\":\"B\",\"ts\":\(ts),\(t)}")
            case .restart, .resume:
                guard let n = e.node else { continue }
                let t = track(n)
                guard let name = open.removeValue(forKey: t) else { continue }
                emit("{\"name\":\"\(name)\",\"cat\":\"fault\",\"ph\":\"E\",\"ts\":\(ts),\(t)}")
            case .partition, .heal:
                let t = "\"pid\":\(net),\"tid\":\(e.messageID + 1)"
                if e.kind == .partition {
                    emit("{\"name\":\"thread_name\",\"ph\":\"M\",\(t),\"args\":{\"name\":\"partition \(e.messageID)\"}}")
                    open[t] = "partition"
                    emit("{\"name\":\(jsonString("partition " + e.detail)),\"cat\":\"fault\",\"ph\":\"B\",\"ts\":\(ts),\(t)}")
                } else if open.removeValue(forKey: t) != nil {
                    emit("{\"name\":\(jsonString("partition " + e.detail)),\"cat\":\"fault\",\"ph\":\"E\",\"ts\":\(ts),\(t)}")
                }
            case .fault, .clockOffset, .start:
                emit("{\"name\":\(jsonString(e.kind == .start ? "start " + e.label : e.detail)),\"cat\":\"\(e.kind)\",\"ph\":\"i\",\"s\":\"g\",\"ts\":\(ts),\"pid\":\(net),\"tid\":0}")
            case .timer, .check:
                continue
            }
        }
        let endTS = Self.micros(end)
        for t in open.keys.sorted() {
            emit("{\"name\":\(jsonString(open[t]!)),\"cat\":\"fault\",\"ph\":\"E\",\"ts\":\(endTS),\(t)}")
        }
        out += "\n]}\n"
        return out
    }

    /// Nanoseconds as microseconds with three decimals (`1234.567`).
    static func micros(_ at: VirtualInstant) -> String {
        let ns = at.nanoseconds
        let sign = ns < 0 ? "-" : ""
        let a = ns.magnitude
        let frac = String(a % 1_000)
        return "\(sign)\(a / 1_000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}
