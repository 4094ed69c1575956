import NetModel

/// The fault model's rules, checked delivery by delivery against an independent account of the
/// faults. Every event gets a sequence number (`seq`): the order in which things happened, finer
/// than virtual time (two events at one instant still have an order).
///
/// The rules, for a delivery at `seq` (its arrival; for what a pause held, the arrival is
/// somewhere between the later of the send and the pause, and the resume — the rules then use
/// only what must hold for every instant of that window):
/// - it reaches the live incarnation it was sent to (no crash or restart of the receiver since
///   the send, or since the stream's open), never a paused node outside its resume;
/// - it comes from an incarnation alive at the arrival (no crash of the sender since the send,
///   nor since the stream's open for stream traffic), and never from a dead handle;
/// - one-shot: not cut at the send, and not cut at the arrival;
/// - stream traffic (open, messages, the far end's close): no partition cut the stream, in either
///   direction, at any moment from its open (or the close) to the arrival; the acceptor hears of
///   nothing before the open, nothing after the stream's end, and messages arrive in send order;
/// - a resume hands over exactly what it says it held.
struct FaultModelOracle {
    struct Send {
        let from: NodeName, to: NodeName, seq: Int, fromGeneration: Int, toGeneration: Int
        let live: Bool, toUp: Bool, cut: Bool, stream: StreamID?
    }
    struct Stream {
        let opener: NodeName, acceptor: NodeName, seq: Int, openerGeneration: Int, acceptorGeneration: Int
        var closes: [(by: NodeName, seq: Int)] = []
        var accepted = false
        var ended: [NodeName] = []
        var lastFrame: [NodeName: Int] = [:]
    }
    struct Cut { let partition: Partition; let start: Int; var end = Int.max }

    private(set) var violations: [String] = []
    private(set) var counts: [String: Int] = [:]
    private var seq = 0
    private var generation: [NodeName: Int] = [:]
    private var up: [NodeName: Bool] = [:]
    private var pause: [NodeName: (token: Int, seq: Int)] = [:]
    private var tokens = 0
    private var resuming: (node: NodeName, pausedAt: Int, count: Int)?
    private var released: [Int] = []
    private var crashes: [(node: NodeName, seq: Int)] = []
    private var cuts: [Int: Cut] = [:]
    private var sends: [Int: Send] = [:]
    private var streams: [StreamID: Stream] = [:]

    private mutating func tick() -> Int { seq += 1; return seq }
    private mutating func fail(_ s: String) { if violations.count < 20 { violations.append("#\(seq): " + s) } }

    func isUp(_ n: NodeName) -> Bool { up[n] ?? false }
    func isCurrent(_ n: NodeName, _ g: Int) -> Bool { isUp(n) && generation[n] == g }
    func isPaused(_ n: NodeName, token: Int) -> Bool { pause[n]?.token == token }

    // MARK: faults

    mutating func restarted(_ n: NodeName) -> Int {
        if isUp(n) { crashed(n) }
        _ = tick()
        generation[n, default: 0] += 1
        up[n] = true
        return generation[n]!
    }
    mutating func crashed(_ n: NodeName) {
        crashes.append((n, tick()))
        up[n] = false
        pause[n] = nil
    }
    /// Called before the network starts `p` (which resets streams at once); returns its key.
    mutating func partitioning(_ p: Partition) -> Int {
        let key = tick()
        cuts[key] = Cut(partition: p, start: key)
        return key
    }
    mutating func healed(_ id: Int) {
        let now = tick()
        cuts[id]?.end = now
    }
    mutating func paused(_ n: NodeName) -> Int {
        tokens += 1
        pause[n] = (tokens, tick())
        return tokens
    }
    mutating func resuming(_ n: NodeName) {
        resuming = (n, pause[n]!.seq, 0)
        pause[n] = nil
        _ = tick()
    }
    mutating func resumed(_ n: NodeName) {
        released.append(resuming!.count)
        resuming = nil
    }
    mutating func finish(resumes: [Int]) {
        if released != resumes { fail("resumes said they held \(resumes), the handlers got \(released)") }
    }

    // MARK: traffic

    mutating func sent(_ n: Int, from a: NodeName, to b: NodeName, live: Bool) {
        sends[n] = Send(from: a, to: b, seq: tick(), fromGeneration: generation[a]!, toGeneration: generation[b]!,
                        live: live, toUp: isUp(b), cut: cutNow(a, b), stream: nil)
    }
    mutating func sent(_ n: Int, on s: StreamID, by a: NodeName) {
        let st = streams[s]!
        let b = a == st.opener ? st.acceptor : st.opener
        sends[n] = Send(from: a, to: b, seq: tick(), fromGeneration: generation[a]!, toGeneration: generation[b]!,
                        live: isUp(a), toUp: isUp(b), cut: false, stream: s)
    }
    mutating func opened(_ s: StreamID, by a: NodeName, to b: NodeName) {
        streams[s] = Stream(opener: a, acceptor: b, seq: tick(), openerGeneration: generation[a]!,
                            acceptorGeneration: isUp(b) ? generation[b]! : -1)
    }
    mutating func closed(_ s: StreamID, by a: NodeName) {
        let now = tick()
        streams[s]?.closes.append((a, now))
    }

    // MARK: deliveries

    enum Kind { case open, message, close }

    /// The rules of every delivery; returns the delivery's `seq` and, when a resume hands over
    /// what a pause held, the `seq` of that pause.
    private mutating func arriving(at node: NodeName, generation g: Int, what: String) -> (now: Int, pausedAt: Int?) {
        let now = tick()
        if !isCurrent(node, g) { fail("\(what) reached a dead incarnation of \(node)") }
        let held = resuming?.node == node
        if pause[node] != nil && !held { fail("\(what) reached \(node) while it was paused") }
        guard held else { return (now, nil) }
        resuming!.count += 1
        counts["held", default: 0] += 1
        return (now, resuming!.pausedAt)
    }

    /// The latest instant the arrival surely came by: the delivery, or for held traffic the
    /// later of `since` and the pause.
    private func bound(_ arrival: (now: Int, pausedAt: Int?), since: Int) -> Int {
        arrival.pausedAt.map { max(since, $0) } ?? arrival.now
    }

    mutating func delivered(_ n: Int, at node: NodeName, generation g: Int, stream: StreamID? = nil) {
        guard let s = sends[n], s.to == node, s.stream == stream else { return fail("unknown delivery \(n) at \(node)") }
        let what = stream.map { "message \(n) on \($0) from \(s.from)" } ?? "message \(n) from \(s.from)"
        let arrival = arriving(at: node, generation: g, what: what)
        let bound = bound(arrival, since: s.seq)
        if !s.live { fail("\(what) came from a dead handle") }
        if !s.toUp || s.toGeneration != g { fail("\(what) was sent to an earlier incarnation of \(node)") }
        guard let sid = stream else {
            counts["message", default: 0] += 1
            if s.cut { fail("\(what) was sent across a cut") }
            let cut = arrival.pausedAt == nil ? cutNow(s.from, node) : cutThroughout(s.from, node, bound, arrival.now)
            if cut { fail("\(what) arrived across a cut") }
            if crashed(s.from, after: s.seq, upTo: bound) { fail("\(what) came from a crashed incarnation") }
            return
        }
        counts["frame", default: 0] += 1
        let st = streams[sid]!
        streamRules(st, .message, at: node, from: s.from, since: st.seq, bound: bound, what: what)
        if let c = st.closes.first, c.seq < bound {
            // As over TCP, what the closing end sent before its clean close still arrives, before
            // the close notice does.
            let sentBeforeItsOwnClose = c.by == s.from && s.seq < c.seq && !st.ended.contains(node)
            if !sentBeforeItsOwnClose { fail("\(what) arrived after the stream was closed") }
        }
        if let last = st.lastFrame[node], last > s.seq { fail("\(what) overtook a later message on its stream") }
        streams[sid]!.lastFrame[node] = s.seq
    }

    mutating func streamOpened(_ sid: StreamID, at node: NodeName, from peer: NodeName, generation g: Int) {
        guard let st = streams[sid], st.acceptor == node, st.opener == peer else { return fail("unknown open \(sid)") }
        let what = "the open of \(sid) from \(peer)"
        let bound = bound(arriving(at: node, generation: g, what: what), since: st.seq)
        counts["open", default: 0] += 1
        if st.accepted { fail("\(what) arrived twice") }
        streams[sid]!.accepted = true
        streamRules(st, .open, at: node, from: peer, since: st.seq, bound: bound, what: what)
        if let c = st.closes.first, c.seq < bound { fail("\(what) arrived after the stream was closed") }
    }

    mutating func streamClosed(_ sid: StreamID, at node: NodeName, reason: StreamCloseReason, generation g: Int) {
        guard let st = streams[sid] else { return fail("unknown close \(sid)") }
        let peer = node == st.opener ? st.acceptor : st.opener
        let what = "the close (\(reason.rawValue)) of \(sid) at \(node)"
        let arrival = arriving(at: node, generation: g, what: what)
        counts["close \(reason.rawValue)", default: 0] += 1
        if st.ended.contains(node) { fail("\(what) arrived twice") }
        streams[sid]!.ended.append(node)
        switch reason {
        case .closed:
            guard let c = st.closes.first(where: { $0.by == peer }) else { return fail("\(what): the peer never closed it") }
            streamRules(st, .close, at: node, from: peer, since: c.seq, bound: bound(arrival, since: c.seq), what: what)
        case .peerCrashed:
            guard let c = crashes.first(where: { $0.node == peer && $0.seq > st.seq }) else {
                return fail("\(what): the peer never crashed")
            }
            streamRules(st, .close, at: node, from: nil, since: c.seq, bound: bound(arrival, since: c.seq), what: what)
        case .refused:
            if node != st.opener { fail("\(what): only an opener is refused") }
            streamRules(st, .close, at: node, from: nil, since: st.seq, bound: bound(arrival, since: st.seq), what: what)
        case .partition:
            if !crossing(st.opener, st.acceptor, st.seq, arrival.now) { fail("\(what) with no partition across it") }
            streamRules(st, .close, at: node, from: nil, since: nil, bound: arrival.now, what: what)
        case .reset:
            fail("\(what): the simulated network never resets for other reasons")
        }
    }

    /// The rules of stream traffic `from` (nil: a notice, no sender to check) reaching `node`:
    /// the stream's incarnation of `node`; nothing at the acceptor before the open or at an end
    /// after the stream's end; no cut of the stream from `since` to `bound`; no crash of `from`.
    private mutating func streamRules(_ st: Stream, _ kind: Kind, at node: NodeName, from: NodeName?,
                                      since: Int?, bound: Int, what: String) {
        let g = node == st.opener ? st.openerGeneration : st.acceptorGeneration
        if generation[node] != g { fail("\(what) reached an incarnation of \(node) that is not the stream's") }
        if node == st.acceptor && !st.accepted && kind != .open { fail("\(what) before the open reached it") }
        if st.ended.contains(node) && kind != .close { fail("\(what) after the end of the stream") }
        if let since, crossing(st.opener, st.acceptor, since, bound) { fail("\(what) crossed a cut") }
        if let from, crashed(from, after: st.seq, upTo: bound) { fail("\(what) came from a crashed incarnation") }
    }

    // MARK: cuts and crashes

    private func cutNow(_ a: NodeName, _ b: NodeName) -> Bool {
        cuts.values.contains { $0.end == .max && $0.partition.cuts(from: a, to: b) }
    }
    /// One partition cut a → b for the whole of [from, to].
    private func cutThroughout(_ a: NodeName, _ b: NodeName, _ from: Int, _ to: Int) -> Bool {
        cuts.values.contains { $0.start < from && $0.end > to && $0.partition.cuts(from: a, to: b) }
    }
    /// Some partition cut a ↔ b (either direction) at some moment of [from, to].
    private func crossing(_ a: NodeName, _ b: NodeName, _ from: Int, _ to: Int) -> Bool {
        cuts.values.contains {
            $0.start <= to && $0.end > from && ($0.partition.cuts(from: a, to: b) || $0.partition.cuts(from: b, to: a))
        }
    }
    private func crashed(_ n: NodeName, after a: Int, upTo b: Int) -> Bool {
        crashes.contains { $0.node == n && $0.seq > a && $0.seq <= b }
    }
}
