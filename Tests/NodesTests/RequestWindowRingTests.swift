import NetModel
@testable import Nodes
import Testing

/// The request window as it was before its ring and its highest counter: per origin, the
/// remembered keys oldest first, a full window dropping its first one, every lookup a scan.
private struct SimpleRequestWindow {
    struct Window {
        var epoch: UInt64
        var entries: [(key: RequestKey, answer: String?)] = []
        var forgottenUpTo: UInt64 = 0
        var retired: [UInt64] = []
    }

    var windows: [NodeName: Window] = [:]
    let capacity: Int

    mutating func begin(_ key: RequestKey) -> String {
        var window = windows[key.origin] ?? Window(epoch: key.epoch)
        defer { windows[key.origin] = window }
        if key.epoch != window.epoch {
            if window.retired.contains(key.epoch) { return "stale" }
            let older = Array((window.retired + [window.epoch]).suffix(4))
            window = Window(epoch: key.epoch)
            window.retired = older
        }
        if let i = window.entries.firstIndex(where: { $0.key == key }) {
            return window.entries[i].answer.map { "repeated \($0)" } ?? "in progress"
        }
        if key.id <= window.forgottenUpTo { return "stale" }
        if window.entries.count == capacity {
            let gone = window.entries.removeFirst()
            window.forgottenUpTo = max(window.forgottenUpTo, gone.key.id)
        }
        window.entries.append((key, nil))
        return "execute"
    }

    mutating func finish(_ key: RequestKey, answer: String) {
        guard let window = windows[key.origin], window.epoch == key.epoch,
              let i = window.entries.lastIndex(where: { $0.key == key }) else { return }
        windows[key.origin]!.entries[i].answer = answer
    }

    mutating func abandon(_ key: RequestKey) {
        guard let window = windows[key.origin], window.epoch == key.epoch,
              let i = window.entries.firstIndex(where: { $0.key == key }), window.entries[i].answer == nil else { return }
        windows[key.origin]!.entries.remove(at: i)
    }

    func answer(for key: RequestKey) -> String? {
        guard let window = windows[key.origin], window.epoch == key.epoch else { return nil }
        return window.entries.first(where: { $0.key == key })?.answer
    }
}

/// A window's lookup as text, to compare with the simple window's.
private func describe(_ lookup: RequestWindow<String>.Lookup) -> String {
    switch lookup {
    case .execute: "execute"
    case .repeated(let answer): "repeated \(answer)"
    case .inProgress: "in progress"
    case .stale: "stale"
    }
}

@Suite("RequestWindow's ring and highest counter: the same decisions as the simple window")
struct RequestWindowRingTests {
    /// A small deterministic generator (xorshift64*).
    struct Draws {
        var state: UInt64
        mutating func next(_ bound: UInt64) -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return (state &* 0x2545_F491_4F6C_DD1D) % bound
        }
    }

    /// One origin's series as the test drives it.
    struct Origin {
        var name: NodeName
        var epoch: UInt64
        var next: UInt64
        var start: UInt64
    }

    @Test("random requests with retries, reordered copies, steps, abandons, restarts and old series, over full windows",
          arguments: [1, 2, 3, 5, 8])
    func matchesSimpleWindow(capacity: Int) {
        var draws = Draws(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(capacity))
        var window = RequestWindow<String>(capacity: capacity)
        var simple = SimpleRequestWindow(capacity: capacity)
        // The second origin's counters cross 2³² (the entry keeps them as 32 + 8 bits).
        var origins = [Origin(name: NodeName(.client, 1), epoch: 3, next: 1, start: 1),
                       Origin(name: NodeName(.client, 2), epoch: 9, next: (1 << 32) - 6, start: (1 << 32) - 6),
                       Origin(name: NodeName(.chat, 1), epoch: 1, next: 1, start: 1)]
        var mismatches = 0
        for step in 0..<6_000 {
            let o = Int(draws.next(UInt64(origins.count)))
            let origin = origins[o]
            func key(_ counter: UInt64, epoch: UInt64? = nil, step: UInt16 = 0) -> RequestKey {
                RequestKey(origin: origin.name, id: RequestKey.id(incarnation: epoch ?? origins[o].epoch, counter: counter), step: step)
            }
            /// A counter below the next one, within two windows of it (retries, late first copies).
            func recent() -> UInt64 {
                let span = origins[o].next - origins[o].start
                guard span > 0 else { return origins[o].start }
                return origins[o].next - 1 - draws.next(min(span, UInt64(2 * capacity + 2)))
            }
            let roll = draws.next(100)
            var request: RequestKey?
            switch roll {
            case 0..<40:
                // A new request; now and then one is skipped (its copy comes later, reordered).
                origins[o].next += 1 + draws.next(4) / 3
                request = key(origins[o].next - 1)
            case 40..<58:
                request = key(recent())
            case 58..<64:
                request = key(recent(), step: UInt16(1 + draws.next(3)))
            case 64..<84:
                let k = key(recent(), step: draws.next(4) == 0 ? 1 : 0)
                let answer = draws.next(2) == 0 ? String(draws.next(1_000)) : "text-\(draws.next(1_000))"
                window.finish(k, answer: answer)
                simple.finish(k, answer: answer)
            case 84..<90:
                let k = key(recent())
                window.abandon(k)
                simple.abandon(k)
            case 90..<93:
                // The origin restarts: a new series.
                origins[o].epoch += 1
                origins[o].next = origins[o].start
                request = key(origins[o].next)
                origins[o].next += 1
            case 93..<96:
                // A late copy from an earlier series (retired, or one too old to be remembered).
                request = key(recent(), epoch: origins[o].epoch - min(origins[o].epoch, 1 + draws.next(6)))
            default:
                // A copy of a request above the newest one sent (never begun).
                request = key(origins[o].next + draws.next(3))
            }
            if let request {
                let got = describe(window.begin(request)), want = simple.begin(request)
                if got != want {
                    mismatches += 1
                    Issue.record("step \(step): begin \(request) gave \(got), the simple window \(want)")
                }
            }
            for counter in [recent(), recent(), origins[o].next] {
                let k = key(counter)
                if window.answer(for: k) != simple.answer(for: k) {
                    mismatches += 1
                    Issue.record("step \(step): answer for \(k) is \(String(describing: window.answer(for: k))), the simple window's \(String(describing: simple.answer(for: k)))")
                }
            }
            if mismatches > 5 { return }
        }
    }

    @Test("a full window overwrites its oldest entry in place and still answers every remembered key, oldest to newest")
    func ringAnswersAll() {
        var window = RequestWindow<String>(capacity: 3)
        func key(_ n: UInt64) -> RequestKey { RequestKey(origin: NodeName(.client, 1), id: RequestKey.id(incarnation: 2, counter: n)) }
        for n: UInt64 in 1...10 {
            _ = window.begin(key(n))
            window.finish(key(n), answer: "\(n)")
            for back: UInt64 in 0..<min(n, 3) { #expect(window.answer(for: key(n - back)) == "\(n - back)") }
            if n > 3 { guard case .stale = window.begin(key(n - 3)) else { Issue.record("forgotten key \(n - 3) not stale"); return } }
        }
    }
}
