import NetModel

/// A stretch of the trace drawn as a message-flow (Lamport) diagram.
struct FlowWindow {
    /// What the window shows (`the first messages`, `around frontend-2 down at 10000.000ms`).
    let title: String
    /// Event positions in the trace.
    let range: Range<Int>
}

extension RunReport {
    /// The pre-rendered windows: the start of the run, then the start of each fault period (up to
    /// ``ReportLimits/flowWindows`` in all), each from 100ms before its instant and holding at most
    /// ``ReportLimits/messagesPerWindow`` messages.
    func flowWindows(_ timeline: RunTimeline) -> [FlowWindow] {
        var starts: [(String, Int)] = [("the first messages of the run", 0)]
        for f in timeline.faults {
            guard starts.count < ReportLimits.flowWindows else { break }
            let from = VirtualInstant(nanoseconds: max(0, f.start.nanoseconds - 100_000_000))
            let index = firstEvent(atOrAfter: from)
            if starts.contains(where: { $0.1 == index }) { continue }
            starts.append(("around \(Self.clip(f.label, ReportLimits.label)) at \(SequenceDiagram.milliseconds(f.start))", index))
        }
        return starts.map { title, start in
            var i = start, sends = 0
            while i < events.count {
                let k = events[i].kind
                if k == .send || k == .streamOpen {
                    if sends == ReportLimits.messagesPerWindow { break }
                    sends += 1
                }
                i += 1
            }
            return FlowWindow(title: title, range: start..<i)
        }
    }

    /// The position of the first event at or after `instant` (binary search: instants never decrease).
    func firstEvent(atOrAfter instant: VirtualInstant) -> Int {
        var lo = 0, hi = events.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if events[mid].at < instant { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The message-flow section: a window chooser and one diagram per window.
    func flowSection(_ timeline: RunTimeline) -> String {
        let windows = flowWindows(timeline)
        let links = MessageLinks(events)
        var out = "<section id=\"flow\"><h2>Message flow</h2>\n"
        out += "<p class=\"note\">Lamport diagram: one lane per node, grouped by role; time runs down, one row per event; "
        out += "each arrow goes from a send to its delivery, a red × marks a drop, a dashed arrow leaves the window still in flight. "
        out += "Hover an arrow for its kind and times.</p>\n"
        out += "<p><label for=\"flow-window\">Window: </label><select id=\"flow-window\" onchange=\"showFlowWindow(this.value)\">\n"
        for (k, w) in windows.enumerated() {
            out += "<option value=\"flow-window-\(k)\">\(Self.escape(w.title))</option>\n"
        }
        out += "</select></p>\n"
        out += "<p class=\"legend\"><span><i style=\"background:#999\"></i>management</span><span><i style=\"background:#2a7\"></i>requests</span>"
        out += "<span><i style=\"background:#8a4fd1\"></i>streams and sessions</span><span><i style=\"background:#2b6cb0\"></i>pushes</span>"
        out += "<span><i style=\"background:#dd8a1e\"></i>chat</span></p>\n"
        for (k, w) in windows.enumerated() {
            out += "<div class=\"flow-window\" id=\"flow-window-\(k)\"\(k == 0 ? "" : " style=\"display:none\"")>\n"
            out += flowSVG(w, links: links, id: k)
            out += "</div>\n"
        }
        out += "<script>\nfunction showFlowWindow(id) {\n  var all = document.getElementsByClassName('flow-window');\n"
        out += "  for (var i = 0; i !== all.length; i += 1) { all[i].style.display = all[i].id === id ? 'block' : 'none'; }\n}\n</script>\n"
        return out + "</section>\n"
    }

    /// One window's diagram.
    private func flowSVG(_ w: FlowWindow, links: MessageLinks, id: Int) -> String {
        // Lanes: every server node in the window, then the busiest clients, up to the cap.
        var traffic: [NodeName: Int] = [:]
        for i in w.range where events[i].kind == .send || events[i].kind == .streamOpen {
            if let n = events[i].node { traffic[n, default: 0] += 1 }
            if let p = events[i].peer { traffic[p, default: 0] += 1 }
        }
        let servers = traffic.keys.filter { $0.role != .client }.sorted()
        let clients = traffic.keys.filter { $0.role == .client }.sorted { (traffic[$0]!, $1) > (traffic[$1]!, $0) }
        let lanes = Array((servers + clients).prefix(ReportLimits.flowLanes)).sorted(by: SequenceDiagram.lanePrecedes)
        let laneIndex = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1, $0) })
        let left = 90.0, laneWidth = max(48.0, min(130.0, 1060.0 / Double(max(1, lanes.count)))), top = 46.0, step = 4.0
        func laneX(_ n: NodeName) -> Double { left + laneWidth * (Double(laneIndex[n]!) + 0.5) }

        // Rows: drawn sends and their outcomes inside the window, in trace order.
        var row: [Int: Int] = [:]
        var drawn: [Int] = []
        var skipped = 0
        for i in w.range {
            let e = events[i]
            switch e.kind {
            case .send, .streamOpen:
                guard let n = e.node, let p = e.peer, laneIndex[n] != nil, laneIndex[p] != nil else { skipped += 1; continue }
                row[i] = row.count
                drawn.append(i)
            case .deliver, .drop:
                let s = Int(links.sendOf[i])
                if s >= 0, row[s] != nil, row[i] == nil { row[i] = row.count }
            default:
                continue
            }
        }
        let bottom = top + step * Double(row.count + 1)
        let width = left + laneWidth * Double(lanes.count) + 20
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(bottom + 20))\" role=\"img\">\n"
        out += "<defs><marker id=\"ah-\(id)\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
        out += "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#555\"/></marker></defs>\n"
        // Role groups above the lanes, lane names, lane lines.
        var k = 0
        while k < lanes.count {
            var j = k
            while j + 1 < lanes.count && lanes[j + 1].role == lanes[k].role { j += 1 }
            let x0 = left + laneWidth * Double(k), x1 = left + laneWidth * Double(j + 1)
            out += "<rect x=\"\(Self.f1(x0 + 1))\" y=\"2\" width=\"\(Self.f1(x1 - x0 - 2))\" height=\"14\" fill=\"#eef\"/>"
            out += "<text x=\"\(Self.f1((x0 + x1) / 2))\" y=\"13\" text-anchor=\"middle\">\(lanes[k].role.rawValue)</text>\n"
            k = j + 1
        }
        for n in lanes {
            let x = laneX(n)
            out += "<text x=\"\(Self.f1(x))\" y=\"32\" text-anchor=\"middle\">\(n)</text>"
            out += "<line class=\"lane\" x1=\"\(Self.f1(x))\" y1=\"\(Self.f1(top - 6))\" x2=\"\(Self.f1(x))\" y2=\"\(Self.f1(bottom))\"/>\n"
        }
        // Time labels every 40 rows.
        for (i, r) in row.sorted(by: { $0.value < $1.value }) where r % 40 == 0 {
            let y = top + step * Double(r)
            out += "<text x=\"4\" y=\"\(Self.f1(y + 4))\">\(SequenceDiagram.milliseconds(events[i].at))</text>\n"
        }
        for s in drawn {
            let e = events[s]
            let x0 = laneX(e.node!), x1 = laneX(e.peer!), y0 = top + step * Double(row[s]!)
            let label = FlowTracer.messageLabel(e)
            let o = Int(links.outcomeOf[s])
            var tip = "\(label) \(e.node!) → \(e.peer!) sent \(SequenceDiagram.milliseconds(e.at))"
            let cls = "m \(Self.messageClass(label))"
            if o >= 0, let r = row[o] {
                let y1 = top + step * Double(r)
                if events[o].kind == .drop {
                    tip += ", dropped (\(events[o].detail)) \(SequenceDiagram.milliseconds(events[o].at))"
                    let xe = x0 + (x1 - x0) * 0.6
                    out += "<line class=\"\(cls)\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(xe))\" y2=\"\(Self.f1(y1))\"><title>\(Self.escape(tip))</title></line>"
                    out += "<path class=\"dropmark\" d=\"M\(Self.f1(xe - 3)),\(Self.f1(y1 - 3)) l6,6 m0,-6 l-6,6\"/>\n"
                } else {
                    tip += ", delivered \(SequenceDiagram.milliseconds(events[o].at))"
                    out += "<line class=\"\(cls)\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(y1))\" marker-end=\"url(#ah-\(id))\"><title>\(Self.escape(tip))</title></line>\n"
                }
            } else {
                tip += o >= 0 ? ", arrives after this window" : ", still in flight at the end"
                out += "<line class=\"\(cls)\" stroke-dasharray=\"4 3\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(bottom))\"><title>\(Self.escape(tip))</title></line>\n"
            }
        }
        out += "</svg>\n"
        var caption = "\(drawn.count) messages"
        if w.range.isEmpty == false {
            caption += " from \(SequenceDiagram.milliseconds(events[w.range.lowerBound].at)) to \(SequenceDiagram.milliseconds(events[w.range.upperBound - 1].at))"
        }
        if skipped > 0 { caption += "; \(skipped) more to or from nodes without a lane here (at most \(ReportLimits.flowLanes) lanes)" }
        out += "<p class=\"note\">\(Self.escape(caption)).</p>\n"
        return out
    }

    /// The colour class of a message kind.
    static func messageClass(_ label: String) -> String {
        switch label {
        case "Register", "RegisterAccepted", "RegisterRejected", "Ping", "Pong", "Unregister", "Notice", "Stop": "m-mgmt"
        case "PushTo", "BroadcastCall", "Deliver", "Push", "PushAck", "PushAckCall": "m-push"
        case "stream-open", "PushOpen", "PushOpened", "PushRejected", "Kicked", "SessionLogin", "SessionLogout",
             "SessionResync", "ResyncRequest", "KickStream": "m-stream"
        case "ChatCommand", "ChatCall": "m-chat"
        case "Login", "State", "MessageUser", "Broadcast", "Kick", "IsOnline", "Reply", "IsOnlineCall", "IsOnlineReply",
             "KickCall": "m-req"
        default: "m-other"
        }
    }
}
