import Testing
import NetModel
import Nodes
@testable import ClusterSim

/// The compact state the long-lived scans keep (issue 13): ids as ranges, requests per origin in
/// sorted arrays, pushes per user; what arrives out of order is found and inserted in its place.
@Suite("compact scan state")
struct ChecksCompactScanTests {
    @Test("id ranges: runs joined, gaps kept, out-of-order ids found")
    func idRanges() {
        var ids = IDRanges()
        #expect(ids.isEmpty && !ids.contains(0))
        for id: UInt64 in [1, 2, 3, 7, 5, 9, 8, 0, UInt64.max, 3] { ids.insert(id) }
        #expect(ids.ranges == [0...3, 5...5, 7...9, UInt64.max...UInt64.max])
        ids.insert(4)
        ids.insert(6)
        #expect(ids.ranges == [0...9, UInt64.max...UInt64.max])
        for id: UInt64 in 0...9 { #expect(ids.contains(id)) }
        #expect(!ids.contains(10) && ids.contains(.max) && !ids.contains(.max - 1))
    }

    @Test("the scans' long-lived arrays grow by a quarter of their length, not by doubling")
    func gentleGrowth() {
        var values: [Int64] = []
        for n in 1...5_000 {
            values.appendGently(Int64(n))
            #expect(values.capacity <= max(8, n + n / 4 + 8), "room \(values.capacity) for \(n)")
        }
        #expect(values == (1...5_000).map { Int64($0) })
        var runs = SortedRuns()
        for n in 0..<3_000 { runs.append(Int64((n * 7_919) % 3_001)) }
        #expect(runs.sorted() == (0..<3_000).map { Int64(($0 * 7_919) % 3_001) }.sorted())
    }

    @Test("settled pushes grow by a quarter, not by doubling")
    func settledPushesRoom() {
        var settled = SettledPushes()
        var codes = PushCodes()
        for n in 1...200 {
            _ = settled.settle(UInt64(n), acceptedSeq: n, receiptSeq: n + 1, by: NodeName(.client, 1), codes: &codes)
            #expect(settled.entries.capacity <= max(8, n + n / 4 + 8), "room \(settled.entries.capacity) for \(n)")
        }
        #expect(settled.count == 200 && settled.find(77, codes: codes)?.receiptSeq == 78)
    }

    @Test("push codes: a push id in 32 bits (its prefix's number, a 24-bit counter) comes back whole; ids past them have none")
    func pushCodes() {
        let a = PushIDLayout.prefix(node: NodeName(.frontend, 1), incarnation: 5)
        let b = PushIDLayout.prefix(node: NodeName(.chat, 1), incarnation: 0xF_FFFF)
        var codes = PushCodes()
        #expect(codes.code(of: a | 1) == nil, "a prefix not numbered yet has no code")
        let ids: [UInt64] = [a | 1, b | 7, a | 2, b | 1, a | 0xFF_FFFF, 3]
        let assigned = ids.map { codes.assign($0) }
        #expect(assigned.allSatisfy { $0 != nil } && codes.prefixCount == 3)
        #expect(Set(assigned.compactMap { $0 }).count == ids.count, "distinct ids, distinct codes")
        for (id, code) in zip(ids, assigned) {
            #expect(codes.id(of: code!) == id && codes.code(of: id) == code)
        }
        #expect(codes.assign(a | 0x100_0000) == nil && codes.code(of: a | 0x100_0000) == nil, "a counter of 2^24 has no code")
        // The 256 prefixes the table numbers, then none.
        for p: UInt64 in 1...300 { _ = codes.assign(p << 32 | 1) }
        #expect(codes.prefixCount == 256 && codes.assign(300 << 32 | 1) == nil && codes.code(of: 300 << 32 | 1) == nil)
        #expect(codes.id(of: codes.code(of: 250 << 32 | 1)!) == 250 << 32 | 1)
    }

    @Test("settled pushes: a push without a code is not settled (its fate is kept in full); the others are found by id")
    func settledPushesUncoded() {
        var settled = SettledPushes()
        var codes = PushCodes()
        let client = NodeName(.client, 4)
        let a = PushIDLayout.prefix(node: NodeName(.frontend, 1), incarnation: 1)
        let b = PushIDLayout.prefix(node: NodeName(.frontend, 2), incarnation: 1)
        #expect(settled.settle(b | 9, acceptedSeq: 10, receiptSeq: 12, by: client, codes: &codes))
        #expect(settled.settle(a | 3, acceptedSeq: 20, receiptSeq: 25, by: client, codes: &codes))
        #expect(!settled.settle(a | 0x100_0000, acceptedSeq: 30, receiptSeq: 31, by: client, codes: &codes))
        #expect(settled.find(a | 3, codes: codes)?.receiptSeq == 25 && settled.find(b | 9, codes: codes)?.acceptedSeq == 10)
        #expect(settled.find(a | 9, codes: codes) == nil && settled.find(b | 3, codes: codes) == nil)
        #expect(settled.find(a | 0x100_0000, codes: codes) == nil && settled.count == 2)
        #expect(settled.unsettle(b | 9, codes: codes)?.client == client && settled.find(b | 9, codes: codes) == nil)
    }

    @Test("shared lists: an equal list comes back as the copy kept, sharing its storage; others are their own")
    func sharedLists() {
        func storage(_ list: [Int]) -> UnsafeRawPointer? { list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        var lists = SharedLists<Int>()
        let first = lists.intern([3, 1, 2])
        let again = lists.intern(Array([3, 1, 2]))
        let other = lists.intern([3, 1])
        let reordered = lists.intern([1, 2, 3])
        #expect(again == [3, 1, 2] && other == [3, 1] && reordered == [1, 2, 3])
        #expect(storage(again) == storage(first), "an equal list shares the kept storage")
        #expect(storage(other) != storage(first) && storage(reordered) != storage(first))
        #expect(lists.count == 3)
    }

    @Test("first instants: the first instant per id is kept, in its prefix's array or apart, and found wherever it is")
    func firstInstants() {
        func t(_ s: Int64) -> VirtualInstant { VirtualInstant(nanoseconds: s * 1_000_000_000) }
        let a = PushIDLayout.prefix(node: NodeName(.frontend, 1), incarnation: 5)
        let b = PushIDLayout.prefix(node: NodeName(.frontend, 2), incarnation: 9)
        var instants = FirstInstants()
        #expect(instants[a | 1] == nil)
        instants.keepFirst(a | 2, at: t(1))
        instants.keepFirst(b | 1, at: t(2))
        instants.keepFirst(a | 2, at: t(3))          // a later instant of a kept id: ignored
        instants.keepFirst(a | 100_000, at: t(4))    // far past its prefix's array: kept apart
        instants.keepFirst(7, at: t(5))              // a small id (prefix 0)
        instants.keepFirst(a | 1, at: .zero)
        #expect(instants[a | 2] == t(1) && instants[b | 1] == t(2) && instants[a | 1] == .zero && instants[7] == t(5))
        #expect(instants[a | 3] == nil && instants[b | 2] == nil && instants[a | 100_000] == t(4) && instants[6] == nil)
        // The array grows up to and past the id kept apart: it is still found, and kept once.
        for counter: UInt64 in stride(from: 2_000, through: 104_000, by: 2_000) { instants.keepFirst(a | counter, at: t(6)) }
        instants.keepFirst(a | 100_000, at: t(7))
        #expect(instants[a | 100_000] == t(4) && instants[a | 96_000] == t(6) && instants[a | 99_999] == nil)
    }

    @Test("drop log: drops packed in 16 bytes come back whole, in order; an id past 40 bits turns the log wide without losing any")
    func dropLog() {
        func drop(_ ns: Int64, _ id: UInt64, _ label: String) -> TraceEvent {
            TraceEvent(seq: 0, at: VirtualInstant(nanoseconds: ns), kind: .drop, node: NodeName(.client, 1),
                       peer: NodeName(.frontend, 1), messageID: id, label: label, detail: "")
        }
        var log = DropLog()
        for (ns, id, label) in [(5, 1, "A"), (7, (1 << 40) - 1, "B"), (9, 3, "A")] as [(Int64, UInt64, String)] {
            log.append(drop(ns, id, label))
        }
        #expect(log.drops.map(\.messageID) == [1, (1 << 40) - 1, 3] && log.drops.map { log.label(of: $0) } == ["A", "B", "A"])
        #expect(log.instants(labelled: ["A"]) == [VirtualInstant(nanoseconds: 5), VirtualInstant(nanoseconds: 9)])
        #expect(log.messageIDs(among: [3, 1 << 40, (1 << 40) - 1]) == Set<UInt64>([3, (1 << 40) - 1]))
        log.append(drop(11, 1 << 40, "C"))
        log.append(drop(12, 4, "B"))
        #expect(log.count == 5 && log.drops.map(\.messageID) == [1, (1 << 40) - 1, 3, 1 << 40, 4])
        #expect(log.drops.map(\.at.nanoseconds) == [5, 7, 9, 11, 12] && log.drops.map { log.label(of: $0) } == ["A", "B", "A", "C", "B"])
        #expect(log.messageIDs(among: [1 << 40, 4, 2]) == Set<UInt64>([1 << 40, 4]))
        #expect(log.instants(labelled: ["B", "C"]).map(\.nanoseconds) == [7, 11, 12])
    }

    @Test("exactly-once: a request executed again after later ones of its origin is found")
    func exactlyOnceOutOfOrder() {
        var t = TraceBuilder()
        for req in [8, 9, 7, 3] {
            t.log(.seconds(req), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-3", "req": req, "service": "State"])
        }
        t.log(.seconds(10), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-3", "req": 7, "service": "State"])
        t.log(.seconds(11), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-3", "req": 7, "step": 1, "service": "State"])
        // A lower step of a request after a higher one is another call, not a repeat.
        t.log(.seconds(12), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-4", "req": 7, "step": 2, "service": "State"])
        t.log(.seconds(13), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-4", "req": 7, "service": "State"])
        let result = ExactlyOnceChecker().check(makeRun(t.events))
        #expect(result.detail == "executions 8 of 7 requests, repeats absorbed 0; exceptions: none; failures: "
                + "executed-twice=1: client-3 req 7 (State) at frontend-1 7.000s and frontend-2 10.000s")
    }

    @Test("exactly-once: executions that do not pack in 16 bytes (another series of ids, a step past 255) widen the origin's list, and repeats are still found")
    func exactlyOnceWidened() {
        let a1 = RequestKey.id(incarnation: 5, counter: 1), a2 = RequestKey.id(incarnation: 5, counter: 2)
        let b1 = RequestKey.id(incarnation: 6, counter: 1)
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-5", "req": a1, "service": "State"])
        t.log(.seconds(2), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-5", "req": a2, "service": "State"])
        t.log(.seconds(3), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-5", "req": a2, "service": "State"])
        t.log(.seconds(4), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-5", "req": b1, "service": "State"])
        t.log(.seconds(5), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-5", "req": a1, "step": 300, "service": "State"])
        t.log(.seconds(6), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-5", "req": a1, "service": "State"])
        t.log(.seconds(7), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-5", "req": a1, "step": 300, "service": "State"])
        t.log(.seconds(8), Fx.fe(2), NodeLog.requestExecuted, ["origin": "client-5", "req": b1, "service": "State"])
        let result = ExactlyOnceChecker().check(makeRun(t.events))
        #expect(result.detail == "executions 8 of 4 requests, repeats absorbed 0; exceptions: none; failures: executed-twice=4: "
                + "client-5 req \(a2) (State) at frontend-1 2.000s and frontend-2 3.000s, "
                + "client-5 req \(a1) (State) at frontend-1 1.000s and frontend-2 6.000s, "
                + "client-5 req \(a1) (State) at frontend-1 5.000s and frontend-2 7.000s, "
                + "client-5 req \(b1) (State) at frontend-1 4.000s and frontend-2 8.000s")
    }

    @Test("exactly-once: executions at the edges of 12 bytes (a request 1,024 below the first to 64,511 above, step 15, the 16th node) pack; past them the list widens; repeats are found with their details")
    func exactlyOnceTwelveByteEdges() {
        let r0 = RequestKey.id(incarnation: 3, counter: 2_000)
        var t = TraceBuilder()
        var at: Int64 = 0
        var expected: [String] = []
        /// `req` (step `step`) of `origin` executed at `first`, later again at `again`.
        func twice(_ origin: String, _ req: UInt64, step: UInt64 = 0, _ first: NodeName, _ again: NodeName,
                   firstAt: Int64? = nil) {
            at += 1
            let a = firstAt ?? at
            func log(_ when: Int64, _ node: NodeName) {
                if step > 0 {
                    t.log(.seconds(when), node, NodeLog.requestExecuted, ["origin": origin, "req": req, "step": step, "service": "State"])
                } else {
                    t.log(.seconds(when), node, NodeLog.requestExecuted, ["origin": origin, "req": req, "service": "State"])
                }
            }
            log(a, first)
            at = max(at, a) + 1
            log(at, again)
            expected.append("\(origin) req \(req) (State) at \(first) \(a).000s and \(again) \(at).000s")
        }
        /// The run so far judged, then a fresh trace: each group's four failures are all listed.
        func judged() -> String {
            let detail = ExactlyOnceChecker().check(makeRun(t.events)).detail
            defer { (t, expected) = (TraceBuilder(), []) }
            return detail.hasSuffix("executed-twice=4: " + expected.joined(separator: ", ")) ? "ok" : detail
        }
        // Packed: the first request sets the base 1,024 below it.
        twice("client-6", r0, Fx.fe(1), Fx.fe(2))
        twice("client-6", r0 - 1_024, Fx.fe(1), Fx.fe(2))
        twice("client-6", r0 - 1_024 + 65_535, Fx.fe(2), Fx.fe(1))
        twice("client-6", r0, step: 15, Fx.fe(1), Fx.fe(2))
        #expect(judged() == "ok")
        // Widened: below the base, a step of 16.
        twice("client-7", r0, Fx.fe(1), Fx.fe(2))
        twice("client-7", r0 - 1_025, Fx.fe(1), Fx.fe(2))
        twice("client-8", r0, Fx.fe(1), Fx.fe(2))
        twice("client-8", r0, step: 16, Fx.fe(2), Fx.fe(1))
        #expect(judged() == "ok")
        // Widened: the 17th executing node (an incarnation past 4 bits); an instant of 2^40 ns or more.
        for k in 1...17 {
            at += 1
            t.log(.seconds(at), Fx.fe(k), NodeLog.requestExecuted, ["origin": "client-10", "req": r0 + UInt64(k), "service": "State"])
        }
        twice("client-10", r0 + 100, Fx.fe(16), Fx.fe(1))
        twice("client-10", r0 + 101, Fx.fe(17), Fx.fe(1))
        twice("client-9", r0, Fx.fe(1), Fx.fe(2))
        twice("client-9", r0 + 1, Fx.fe(2), Fx.fe(1), firstAt: 1_100)
        #expect(judged() == "ok")
    }

    @Test("exactly-once: a node that crashed is a new incarnation; executions after its restart are judged against it")
    func exactlyOnceIncarnations() {
        var t = TraceBuilder()
        for at in [1, 3, 4] {
            if at == 3 { t.net(.seconds(2), .crash, Fx.fe(1), label: "crash") }
            t.log(.seconds(at), Fx.fe(1), NodeLog.requestExecuted, ["origin": "client-3", "req": 7, "service": "State"])
        }
        let result = ExactlyOnceChecker().check(makeRun(t.events))
        #expect(result.detail == "executions 3 of 1 requests, repeats absorbed 0; exceptions: executor-restarted=1; failures: "
                + "executed-twice=1: client-3 req 7 (State) at frontend-1 3.000s and frontend-1 4.000s")
    }

    @Test("client-auth: an attack whose request reached a frontend is judged, one that did not is not")
    func clientAuthReached() {
        var t = TraceBuilder()
        let attacker = Fx.cl(9)
        // Requests 1…4 and 6 reached a frontend, out of order; the attacks are requests 5 and 6.
        for req in [2, 1, 4, 3] {
            t.log(.seconds(1), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "State", "user": "u9", "req": req])
        }
        t.log(.seconds(2), attacker, NodeLog.attackSent, ["kind": "forged-token", "id": 60, "service": "Inventory", "req": 5])
        t.log(.seconds(3), attacker, NodeLog.attackSent, ["kind": "forged-token", "id": 61, "service": "Inventory", "req": 6])
        t.log(.seconds(4), Fx.fe(1), NodeLog.requestServed, ["client": "client-9", "service": "State", "user": "u9", "req": 6])
        let result = ClientAuthChecker().check(makeRun(t.events))
        #expect(result.detail == "token attacks 2, token rejections 0; exceptions: attack-undelivered=1; "
                + "1 failures: forged-token attack 61 by client-9 at 3.000s never rejected")
    }

    @Test("metrics: a push accepted again counts once, also when it comes after later pushes")
    func pushesAcceptedOnce() {
        var t = TraceBuilder()
        for (push, user) in [(5, "u"), (7, "u"), (5, "v"), (6, "u"), (5, "u"), (7, "u"), (1, "v")] {
            t.log(.seconds(1), Fx.session, NodeLog.pushAccepted, ["push": push, "user": user, "seq": 1, "gen": 1])
        }
        #expect(RunMetrics(makeRun(t.events)).pushesAccepted == 5)
    }

    @Test("metrics: pushes of several prefixes, and pushes without a 32-bit code, count once per user")
    func pushesAcceptedOncePerCode() {
        let a = PushIDLayout.prefix(node: NodeName(.frontend, 1), incarnation: 1)
        let b = PushIDLayout.prefix(node: NodeName(.frontend, 2), incarnation: 1)
        let big = a | 0x100_0000
        var t = TraceBuilder()
        for (push, user) in [(b | 1, "u"), (a | 1, "u"), (b | 1, "u"), (a | 1, "v"), (big, "u"), (big, "u"), (big, "v"), (a | 2, "u"), (a | 1, "u")] {
            t.log(.seconds(1), Fx.session, NodeLog.pushAccepted, ["push": push, "user": user, "seq": 1, "gen": 1])
        }
        #expect(RunMetrics(makeRun(t.events)).pushesAccepted == 6)
    }

    @Test("metrics: latencies of 2^32 ns and more, and negative ones, are kept in full and sorted with the rest")
    func wideLatencies() {
        var runs = SortedRuns()
        let values: [Int64] = [5, 1 << 32, Int64(UInt32.max), -3, 0, 4_512_137_000, 7, 1 << 40]
        for n in 0..<(SortedRuns.runLength + 10) { runs.append(Int64((n * 7_919) % 5_003)) }
        for v in values { runs.append(v) }
        let expected = ((0..<(SortedRuns.runLength + 10)).map { Int64(($0 * 7_919) % 5_003) } + values).sorted()
        #expect(runs.count == expected.count && runs.sorted() == expected)
        let sorted = runs.sortedValues()
        #expect(sorted.count == expected.count && (0..<expected.count).allSatisfy { sorted[rank: $0] == expected[$0] })
        #expect(sorted.last == 1 << 40 && SortedValues(sorting: values.reversed()).all == values.sorted())
        var m = RunMetrics()
        m.pushLatencies = [9, -3, 1 << 33, 2, 5]
        #expect(m.pushLatencies == [-3, 2, 5, 9, 1 << 33] && m.pushLatency(percentile: 50) == .nanoseconds(5))
        #expect(m.pushLatency(percentile: 1) == .nanoseconds(-3) && m.pushLatency(percentile: 100) == .nanoseconds(1 << 33))
    }

    @Test("chat-delivery: receptions keep their message through the line, or alone when no line announced it")
    func chatReceptions() {
        var t = TraceBuilder()
        t.log(.seconds(1), Fx.chat, NodeLog.chatLine, ["msg": 1, "room": 1, "sender": "alice", "members": "bob"])
        t.log(.seconds(2), Fx.chat, NodeLog.chatLine, ["msg": 2, "room": 1, "sender": "alice", "members": "bob"])
        t.log(.seconds(3), Fx.cl(2), NodeLog.chatReceived, ["msg": 2])
        t.log(.seconds(4), Fx.cl(2), NodeLog.chatReceived, ["msg": 99])
        t.log(.seconds(5), Fx.cl(2), NodeLog.chatReceived, ["msg": 1])
        t.log(.seconds(6), Fx.cl(2), NodeLog.chatReceived, ["msg": 98])
        let snapshot = ClusterSnapshot(clients: [makeClient(1, user: "alice"), makeClient(2, user: "bob")])
        let result = ChatDeliveryChecker().check(makeRun(t.events, snapshot: snapshot))
        #expect(result.detail == "lines 2, member deliveries due 2, delivered 2; exceptions: none; failures: "
                + "out-of-order=1 unexpected=2: client-2 received msg 99 that no chat line announced (4.000s), "
                + "client-2 received msg 1 after a later line, client-2 received msg 98 that no chat line announced (6.000s)")
    }
}
