import NetModel

/// A stretch of the trace drawn as a message-flow (Lamport) diagram.
struct FlowWindow {
    /// What the window shows (`the first messages`, `frontend-2 down at 10.000s, through its detection`).
    let title: String
    /// Event positions in the trace: one range, or two when the middle of a long window is left out.
    let parts: [Range<Int>]
    /// The trace range the window covers, first to last event.
    var range: Range<Int> { (parts.first?.lowerBound ?? 0)..<(parts.last?.upperBound ?? 0) }
}

extension RunReport {
    /// The pre-rendered windows: one per counterexample (`counterexamples`: check name and time
    /// span), the start of the run, then each fault period (up to ``ReportLimits/flowWindows`` in
    /// all), by time: from 100 ms before the fault through its detection (a crash: to the
    /// manager's removal of the node or its restart), its heal or its resume, plus 200 ms. A window
    /// of more than ``ReportLimits/messagesPerWindow`` messages shows its first and last halves.
    func flowWindows(_ timeline: RunTimeline, counterexamples: [(String, ClosedRange<VirtualInstant>)] = []) -> [FlowWindow] {
        var spans: [(String, VirtualInstant, VirtualInstant?)] = []
        for (check, span) in counterexamples.prefix(ReportLimits.tableRows) {
            let from = Self.counterexampleWindowStart(span)
            spans.append(("counterexample of \(check), \(Self.seconds(from)) – \(Self.seconds(span.upperBound))",
                          from, span.upperBound.advanced(by: .milliseconds(20))))
        }
        spans.append(("the first messages of the run", .zero, nil))
        var faultWindows = 0
        for f in timeline.faults where f.end > f.start {
            guard faultWindows + 1 < ReportLimits.flowWindows else { break }
            faultWindows += 1
            let through = detectionOrEnd(of: f)
            spans.append(("\(Self.clip(f.label, ReportLimits.label)) at \(Self.seconds(f.start)) through \(through.what) at \(Self.seconds(through.at))",
                          VirtualInstant(nanoseconds: max(0, f.start.nanoseconds - 100_000_000)),
                          through.at.advanced(by: .milliseconds(200))))
        }
        return spans.map { title, from, to in
            let start = firstEvent(atOrAfter: from)
            let stop = to.map { firstEvent(atOrAfter: $0) } ?? events.count
            var sendsAt: [Int] = []
            var i = start
            while i < stop {
                let k = events[i].kind
                if k == .send || k == .streamOpen {
                    sendsAt.append(i)
                    if to == nil, sendsAt.count > ReportLimits.messagesPerWindow { break }
                }
                i += 1
            }
            if sendsAt.count <= ReportLimits.messagesPerWindow {
                return FlowWindow(title: title, parts: [start..<(to == nil ? min(i, events.count) : stop)])
            }
            if to == nil { return FlowWindow(title: title, parts: [start..<sendsAt[ReportLimits.messagesPerWindow]]) }
            let half = ReportLimits.messagesPerWindow / 2
            return FlowWindow(title: title, parts: [start..<sendsAt[half], sendsAt[sendsAt.count - half]..<stop])
        }
    }

    /// Where a counterexample's flow window starts: 20 ms before its first event, or, for one
    /// that spans longer, 500 ms before its last (the diagram above the link shows the rest).
    static func counterexampleWindowStart(_ span: ClosedRange<VirtualInstant>) -> VirtualInstant {
        let early = span.lowerBound.nanoseconds - 20_000_000, late = span.upperBound.nanoseconds - 500_000_000
        return VirtualInstant(nanoseconds: max(0, early, late))
    }

    /// Where a fault period's window ends: a crash at the manager's first `node-removed` of the
    /// node after it (or its restart, whichever comes first); a partition at its heal, a pause at
    /// its resume.
    func detectionOrEnd(of fault: Interval) -> (what: String, at: VirtualInstant) {
        let name = fault.label.hasSuffix(" down") ? NodeName(parsing: String(fault.label.dropLast(5))) : nil
        guard let node = name else {
            let what = fault.label.hasPrefix("partition") ? "the heal" : fault.label.hasSuffix(" paused") ? "its resume" : "the end"
            return (what, fault.end)
        }
        var i = firstEvent(atOrAfter: fault.start)
        while i < events.count, events[i].at <= fault.end {
            let e = events[i]
            if e.kind == .node, e.label == "node-removed", e.fields.name("name") == node { return ("its detection", e.at) }
            i += 1
        }
        return ("its restart", fault.end)
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

    /// The message-flow section: a window chooser, a filter that follows one node, and one
    /// diagram per window (the first shown; a link to `#flow-window-K` shows that one).
    func flowSection(_ windows: [FlowWindow], links: MessageLinks) -> String {
        let users = clientUsers()
        var out = "<section id=\"flow\"><h2>Message flow</h2>\n"
        out += "<p class=\"note\">Lamport diagram: one lane per node, servers first, then the busiest clients; time runs down, "
        out += "one row per event; each arrow goes from a send to its delivery, a red × marks a drop, a dashed arrow leaves "
        out += "the window still in flight. Crashes, restarts, pauses and partitions are drawn across their lanes. "
        out += "Hover an arrow for its kind, ends, times and content.</p>\n"
        out += "<p class=\"controls\"><label for=\"flow-window\">Window: </label><select id=\"flow-window\" onchange=\"showFlowWindow(this.value)\">\n"
        for (k, w) in windows.enumerated() {
            out += "<option value=\"flow-window-\(k)\">\(Self.escape(w.title))</option>\n"
        }
        out += "</select> <label for=\"flow-follow\">Follow a node or user: </label>"
        out += "<input id=\"flow-follow\" type=\"text\" placeholder=\"client-3, frontend-1, user-3 …\" oninput=\"followNode(this.value)\"/></p>\n"
        out += "<p class=\"legend\"><span><i style=\"background:#999\"></i>management</span><span><i style=\"background:#2a7\"></i>requests</span>"
        out += "<span><i style=\"background:#8a4fd1\"></i>streams and sessions</span><span><i style=\"background:#2b6cb0\"></i>pushes</span>"
        out += "<span><i style=\"background:#dd8a1e\"></i>chat</span><span><i style=\"background:#c33\"></i>crash, partition</span></p>\n"
        for (k, w) in windows.enumerated() {
            out += "<div class=\"flow-window\" id=\"flow-window-\(k)\"\(k == 0 ? "" : " style=\"display:none\"")>\n"
            out += flowSVG(w, links: links, id: k, users: users)
            out += "</div>\n"
        }
        out += "<script>\n//<![CDATA[\n" + Self.flowScript + "//]]>\n</script>\n"
        return out + "</section>\n"
    }

    /// The script of the flow section: switch windows (also from a `#flow-window-K` link) and
    /// dim the arrows that do not touch the followed node.
    static let flowScript = """
    function showFlowWindow(id) {
      var all = document.getElementsByClassName('flow-window');
      for (var i = 0; i !== all.length; i += 1) { all[i].style.display = all[i].id === id ? 'block' : 'none'; }
      var chooser = document.getElementById('flow-window');
      if (chooser) { chooser.value = id; }
    }
    function followNode(name) {
      var wanted = name.trim();
      var arrows = document.querySelectorAll('#flow [data-n]');
      for (var i = 0; i !== arrows.length; i += 1) {
        var ends = arrows[i].getAttribute('data-n').split(' ');
        var hit = wanted === '' || ends.indexOf(wanted) !== -1;
        arrows[i].style.opacity = hit ? '1' : '0.08';
      }
    }
    function showFromHash() {
      var id = window.location.hash.slice(1);
      if (id.indexOf('flow-window-') === 0) { showFlowWindow(id); }
    }
    window.addEventListener('hashchange', showFromHash);
    showFromHash();

    """

    /// Lane order of the flow diagram: servers first (management, session, chat, frontends and
    /// chat doors, gateway), then clients, each by number.
    static func flowLanePrecedes(_ a: NodeName, _ b: NodeName) -> Bool {
        func rank(_ n: NodeName) -> Int { n.role == .client ? 9 : 5 - SequenceDiagram.laneOrder(n.role) }
        return (rank(a), a.index) < (rank(b), b.index)
    }

    /// One window's diagram: a sticky header with the lanes, then the body.
    /// Each client's user, as its `push-received user=` events name it (a client whose pushes
    /// name no user has none).
    func clientUsers() -> [NodeName: String] {
        var users: [NodeName: String] = [:]
        for e in events where e.kind == .node && e.label == "push-received" {
            if let n = e.node, users[n] == nil, let u = e.fields.text("user") { users[n] = u }
        }
        return users
    }

    private func flowSVG(_ w: FlowWindow, links: MessageLinks, id: Int, users: [NodeName: String]) -> String {
        // Lanes: every server node in the window, then the busiest clients, up to the cap.
        var traffic: [NodeName: Int] = [:]
        for part in w.parts {
            for i in part where events[i].kind == .send || events[i].kind == .streamOpen {
                if let n = events[i].node { traffic[n, default: 0] += 1 }
                if let p = events[i].peer { traffic[p, default: 0] += 1 }
            }
        }
        let servers = traffic.keys.filter { $0.role != .client }.sorted()
        let clients = traffic.keys.filter { $0.role == .client }.sorted { (traffic[$0]!, $1) > (traffic[$1]!, $0) }
        let lanes = Array((servers + clients).prefix(ReportLimits.flowLanes)).sorted(by: Self.flowLanePrecedes)
        let laneIndex = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1, $0) })
        let left = 76.0, laneWidth = 84.0, step = 5.0, top = 8.0
        func laneX(_ n: NodeName) -> Double { left + laneWidth * (Double(laneIndex[n]!) + 0.5) }
        let width = left + laneWidth * Double(max(1, lanes.count)) + 20

        // Rows: drawn sends, their outcomes and the faults inside the window, in trace order.
        var row: [Int: Int] = [:]
        var drawn: [Int] = []
        var faults: [Int] = []
        var gaps: [Int] = []
        var skipped = 0
        for (p, part) in w.parts.enumerated() {
            if p > 0 { gaps.append(row.count); row[-p] = row.count }
            for i in part {
                let e = events[i]
                switch e.kind {
                case .send, .streamOpen:
                    guard let n = e.node, let p = e.peer, laneIndex[n] != nil, laneIndex[p] != nil else { skipped += 1; continue }
                    row[i] = row.count
                    drawn.append(i)
                case .deliver, .drop:
                    let s = Int(links.sendOf[i])
                    if s >= 0, row[s] != nil, row[i] == nil { row[i] = row.count }
                case .crash, .restart, .pause, .resume, .partition, .heal, .clockOffset:
                    row[i] = row.count
                    faults.append(i)
                default:
                    continue
                }
            }
        }
        let bottom = top + step * Double(row.count + 1)
        // The header: role bands and lane names (alternating heights so that long names never overlap).
        var out = "<div class=\"flow-head\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"46\" role=\"img\">\n"
        var k = 0
        while k < lanes.count {
            var j = k
            while j + 1 < lanes.count && lanes[j + 1].role == lanes[k].role { j += 1 }
            let x0 = left + laneWidth * Double(k), x1 = left + laneWidth * Double(j + 1)
            out += "<rect x=\"\(Self.f1(x0 + 1))\" y=\"2\" width=\"\(Self.f1(x1 - x0 - 2))\" height=\"14\" fill=\"#eef\"/>"
            out += "<text x=\"\(Self.f1(x0 + 6))\" y=\"13\">\(lanes[k].role.rawValue)</text>\n"
            k = j + 1
        }
        out += "<text x=\"4\" y=\"30\">time</text>"
        for (n, lane) in lanes.enumerated() {
            out += "<text x=\"\(Self.f1(laneX(lane)))\" y=\"\(n % 2 == 0 ? 30 : 42)\" text-anchor=\"middle\">\(lane)</text>\n"
        }
        out += "</svg></div>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(bottom + 20))\" role=\"img\">\n"
        out += "<defs><marker id=\"ah-\(id)\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
        out += "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#555\"/></marker></defs>\n"
        for n in lanes {
            let x = laneX(n)
            out += "<line class=\"lane\" x1=\"\(Self.f1(x))\" y1=\"0\" x2=\"\(Self.f1(x))\" y2=\"\(Self.f1(bottom))\"/>\n"
        }
        // Time labels every 40 rows, only when the time changed since the last label.
        var lastLabel = ""
        for (i, r) in row.sorted(by: { $0.value < $1.value }) where r % 40 == 0 && i >= 0 {
            let label = Self.seconds(events[i].at)
            guard label != lastLabel else { continue }
            lastLabel = label
            let y = top + step * Double(r)
            out += "<text x=\"4\" y=\"\(Self.f1(y + 4))\">\(label)</text><line class=\"grid\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(y))\" x2=\"\(Self.f1(width - 20))\" y2=\"\(Self.f1(y))\"/>\n"
        }
        for g in gaps {
            let y = top + step * Double(g)
            out += "<line class=\"gap\" x1=\"0\" y1=\"\(Self.f1(y))\" x2=\"\(Self.f1(width))\" y2=\"\(Self.f1(y))\"/>"
            out += "<text x=\"\(Self.f1(left))\" y=\"\(Self.f1(y - 2))\" class=\"gaplabel\">… the middle of this window is left out …</text>\n"
        }
        for f in faults {
            let e = events[f], y = top + step * Double(row[f]!)
            let what = e.kind == .partition || e.kind == .heal ? "\(e.kind) \(e.detail)" : "\(e.node.map { "\($0) " } ?? "")\(e.kind)\(e.detail.isEmpty ? "" : " " + e.detail)"
            let tip = "\(what) at \(Self.seconds(e.at))"
            if let n = e.node, laneIndex[n] != nil, e.kind != .partition, e.kind != .heal {
                let x = laneX(n)
                out += "<g class=\"fault\" data-n=\"\(n)\"><rect x=\"\(Self.f1(x - laneWidth / 2 + 4))\" y=\"\(Self.f1(y - 5))\" width=\"\(Self.f1(laneWidth - 8))\" height=\"10\" rx=\"2\"/>"
                out += "<text x=\"\(Self.f1(x))\" y=\"\(Self.f1(y + 3))\" text-anchor=\"middle\">\(e.kind)</text><title>\(Self.escape(tip))</title></g>\n"
            } else {
                out += "<g class=\"fault\"><line class=\"cut\" x1=\"\(Self.f1(left))\" y1=\"\(Self.f1(y))\" x2=\"\(Self.f1(width - 20))\" y2=\"\(Self.f1(y))\"/>"
                out += "<text x=\"\(Self.f1(left + 4))\" y=\"\(Self.f1(y - 2))\">\(Self.escape(Self.clip(what, 90)))</text><title>\(Self.escape(tip))</title></g>\n"
            }
        }
        for s in drawn {
            let e = events[s]
            let x0 = laneX(e.node!), x1 = laneX(e.peer!), y0 = top + step * Double(row[s]!)
            let label = FlowTracer.messageLabel(e)
            let o = Int(links.outcomeOf[s])
            var tip = "\(label) \(e.node!) → \(e.peer!) #\(e.messageID) sent \(Self.seconds(e.at))"
            let cls = "m \(Self.messageClass(label))"
            let named = [e.node!, e.peer!].compactMap { users[$0].map(Self.escape) }
            let ends = "data-n=\"\(e.node!) \(e.peer!)\(named.isEmpty ? "" : " " + named.joined(separator: " "))\""
            if !e.detail.isEmpty { tip += " [\(Self.clip(e.detail, 200))]" }
            if o >= 0, let r = row[o] {
                let y1 = top + step * Double(r)
                if events[o].kind == .drop {
                    tip += ", dropped (\(events[o].detail)) \(Self.seconds(events[o].at))"
                    let xe = x0 + (x1 - x0) * 0.6
                    out += "<g \(ends)><line class=\"\(cls)\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(xe))\" y2=\"\(Self.f1(y1))\"/>"
                    out += "<path class=\"dropmark\" d=\"M\(Self.f1(xe - 3)),\(Self.f1(y1 - 3)) l6,6 m0,-6 l-6,6\"/><title>\(Self.escape(tip))</title></g>\n"
                } else {
                    tip += ", delivered \(Self.seconds(events[o].at))"
                    if !events[o].detail.isEmpty { tip += " [\(Self.clip(events[o].detail, 200))]" }
                    out += "<line \(ends) class=\"\(cls)\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(y1))\" marker-end=\"url(#ah-\(id))\"><title>\(Self.escape(tip))</title></line>\n"
                }
            } else {
                tip += o >= 0 ? ", arrives after this window" : ", still in flight at the end"
                out += "<line \(ends) class=\"\(cls)\" stroke-dasharray=\"4 3\" x1=\"\(Self.f1(x0))\" y1=\"\(Self.f1(y0))\" x2=\"\(Self.f1(x1))\" y2=\"\(Self.f1(bottom))\"><title>\(Self.escape(tip))</title></line>\n"
            }
        }
        out += "</svg>\n"
        var caption = "\(drawn.count) messages"
        let r = w.range
        if !r.isEmpty {
            caption += " from \(Self.seconds(events[r.lowerBound].at)) to \(Self.seconds(events[r.upperBound - 1].at))"
        }
        if w.parts.count > 1 { caption += " (the first and last \(ReportLimits.messagesPerWindow / 2) messages of the window)" }
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
