import Foundation
import NetModel

/// Where two traces first differ.
package struct TraceDivergence: Sendable, Equatable {
    /// The position of the first differing event, from 1 (its `seq`).
    package var index: Int
    /// The events just before it, the same in both traces, oldest first (`trace.jsonl` lines).
    package var before: [String]
    /// The first trace's event there, or nil when that trace ended first.
    package var left: String?
    /// The second trace's event there, or nil when that trace ended first.
    package var right: String?
}

/// Compares traces written as JSON Lines (`trace.jsonl`, one event per line) event by event.
package enum TraceDiff {
    /// The first event where `a` and `b` differ, keeping the `context` events before it.
    /// - Returns: nil when the two traces are byte for byte the same, else the divergence.
    package static func firstDivergence(_ a: [UInt8], _ b: [UInt8], context: Int = 5) -> TraceDivergence? {
        if a == b { return nil }
        var i = 0, j = 0, index = 0
        var before: [String] = []
        while true {
            index += 1
            let la = line(a, from: i), lb = line(b, from: j)
            if la == nil && lb == nil { return nil }  // only trailing bytes differ: none here
            let ta = la.map { text(a, $0) }, tb = lb.map { text(b, $0) }
            if ta != tb { return TraceDivergence(index: index, before: before, left: ta, right: tb) }
            if let t = ta {
                before.append(t)
                if before.count > context { before.removeFirst() }
            }
            i = la!.upperBound + 1
            j = lb!.upperBound + 1
        }
    }

    /// The range of the line starting at `start` (without its newline), nil at the end.
    private static func line(_ bytes: [UInt8], from start: Int) -> Range<Int>? {
        guard start < bytes.count else { return nil }
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        return start..<end
    }

    private static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// One `trace.jsonl` line for a human: `#12 at 1.5ms send frontend-1 → session-1 id 7 login (detail)`.
    /// - Returns: that text, or the line itself when it is not a trace event.
    package static func describe(_ line: String) -> String {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let seq = o["seq"] as? Int, let ns = (o["ns"] as? NSNumber)?.int64Value, let kind = o["kind"] as? String else {
            return line
        }
        var s = "#\(seq) at \(DurationText.format(.nanoseconds(ns))) \(kind)"
        if let node = o["node"] as? String { s += " \(node)" }
        if let peer = o["peer"] as? String { s += " → \(peer)" }
        if let id = (o["id"] as? NSNumber)?.uint64Value { s += " id \(id)" }
        if let label = o["label"] as? String, !label.isEmpty { s += " \(label)" }
        if let detail = o["detail"] as? String, !detail.isEmpty { s += " (\(detail))" }
        return s
    }
}
