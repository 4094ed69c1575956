#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetModel

/// The floor under `bench sim`: the same traffic as a bare discrete-event loop, with no actors,
/// no network model, no trace and no allocation per event — `../shared/bench/bareloop.swift`
/// (the anchor) brought into the package, so that `simctl bench sim --vs-bare` measures
/// both in one process, pair by pair.
///
/// As in the anchor: `nodes` nodes start with `inFlightPerNode` messages each; every delivery
/// sends one message to a random node, until `messages` are sent; a message is lost with
/// probability `drop` (and not replaced); latency is 0.2 ms plus an exponential draw of mean
/// 2 ms; events come out of a binary heap in (time, sequence) order; each delivery is counted per
/// node and folded into a running FNV-style hash. Its state lives in locals, where the anchor's
/// lives in top-level globals (each access an exclusivity check, ~350 instructions a delivery by
/// callgrind): this loop is the faster of the two, so a ratio against it is the stricter one.
package enum BareLoop {
    /// What one run did.
    package struct Outcome: Sendable {
        /// Messages delivered.
        package let deliveries: Int
        /// Messages sent, lost included.
        package let sent: Int
        /// The running hash of the deliveries (instant and node), as the anchor prints it.
        package let hash: UInt64
    }

    private struct Event {
        var time: Int64
        var seq: UInt64
        var node: Int32
    }

    /// Runs the loop once on the calling thread.
    package static func run(nodes: Int, messages: Int, inFlightPerNode: Int = 10, drop: Double = 0.01,
                            seed: UInt64 = 42) -> Outcome {
        var rng = SeededRandom(seed: seed)
        var heap: [Event] = []
        heap.reserveCapacity(nodes * 16)
        var received = [Int](repeating: 0, count: nodes)
        var seq: UInt64 = 0
        var sent = 0, delivered = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325

        func send(now: Int64) {
            guard sent < messages else { return }
            sent += 1
            if rng.nextUnit() < drop { return }
            let latency = Int64(-log(1 - rng.nextUnit()) * 2_000_000) + 200_000
            let node = Int32(truncatingIfNeeded: rng.next() % UInt64(nodes))
            seq += 1
            push(Event(time: now + latency, seq: seq, node: node), into: &heap)
        }

        for _ in 0..<nodes { for _ in 0..<inFlightPerNode { send(now: 0) } }
        while let e = pop(&heap) {
            delivered += 1
            received[Int(e.node)] += 1
            hash = (hash ^ UInt64(bitPattern: e.time) ^ UInt64(e.node)) &* 0x100_0000_01b3
            send(now: e.time)
            if heap.isEmpty && sent < messages { send(now: e.time) }
        }
        return Outcome(deliveries: delivered, sent: sent, hash: hash)
    }

    @inline(__always)
    private static func precedes(_ x: Event, _ y: Event) -> Bool {
        x.time != y.time ? x.time < y.time : x.seq < y.seq
    }

    private static func push(_ e: Event, into a: inout [Event]) {
        a.append(e)
        var i = a.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            guard precedes(a[i], a[parent]) else { break }
            a.swapAt(i, parent)
            i = parent
        }
    }

    private static func pop(_ a: inout [Event]) -> Event? {
        guard !a.isEmpty else { return nil }
        let top = a[0]
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            let n = a.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && precedes(a[l], a[m]) { m = l }
                if r < n && precedes(a[r], a[m]) { m = r }
                if m == i { break }
                a.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
