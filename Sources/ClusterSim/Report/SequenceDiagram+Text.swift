import NetModel

extension SequenceDiagram {
    /// The diagram drawn with plain characters for a terminal: one column per participant, one
    /// line per step, the virtual time on the left.
    ///
    /// A delivered message is `|--- Label --->|`, a dropped one ends in `x` and says why after the
    /// lanes, one still in flight ends in `?`; a note is `*` on its node's lane followed by the text.
    /// - Returns: lines separated by `\n`, ending with one.
    package var plainText: String {
        let longest = steps.reduce(0) { acc, step in
            if case .message(_, _, let label, _, _) = step { return max(acc, label.count) }
            return acc
        }
        let nameWidth = participants.map { $0.description.count }.max() ?? 8
        let lane = min(30, max(nameWidth + 2, longest + 8, 12))
        let timeWidth = 12
        let width = participants.count * lane
        let column = Dictionary(uniqueKeysWithValues: participants.enumerated().map { ($1, $0 * lane + lane / 2) })

        func blank() -> [Character] {
            var line = [Character](repeating: " ", count: width)
            for c in column.values { line[c] = "|" }
            return line
        }
        func put(_ text: String, at start: Int, in line: inout [Character]) {
            for (k, ch) in text.enumerated() {
                let x = start + k
                if x >= line.count { line.append(ch) } else if x >= 0 { line[x] = ch }
            }
        }
        func finish(_ time: String, _ line: [Character], _ tail: String = "") -> String {
            let body = String(line).replacingTrailingSpaces
            return time.leftPadded(to: timeWidth) + "  " + body + tail + "\n"
        }

        var header = [Character](repeating: " ", count: width)
        for p in participants {
            let name = p.description
            put(name, at: column[p]! - name.count / 2, in: &header)
        }
        var out = finish("time", header)
        out += finish("", blank())
        for step in steps {
            switch step {
            case .message(let from, let to, let label, let sent, let outcome):
                guard let a = column[from], let b = column[to] else { continue }
                var line = blank()
                let lo = min(a, b), hi = max(a, b)
                for x in (lo + 1)..<hi { line[x] = "-" }
                let head: Character = switch outcome {
                case .delivered: a < b ? ">" : "<"
                case .dropped: "x"
                case .inFlight: "?"
                }
                if a < b { line[hi - 1] = head } else { line[lo + 1] = head }
                let text = " " + String(label.prefix(max(1, hi - lo - 6))) + " "
                put(text, at: lo + max(2, (hi - lo - text.count) / 2), in: &line)
                var tail = ""
                if case .dropped(let reason) = outcome { tail = "  (dropped: \(reason))" }
                if case .inFlight = outcome { tail = "  (in flight)" }
                out += finish(Self.milliseconds(sent), line, tail)
            case .note(let node, let text, let at):
                guard let c = column[node] else { continue }
                var line = blank()
                line[c] = "*"
                put(" " + text, at: c + 1, in: &line)
                out += finish(Self.milliseconds(at), line)
            }
        }
        return out
    }

    /// `12.345ms` (virtual time since the start of the run).
    static func milliseconds(_ at: VirtualInstant) -> String {
        let micros = at.nanoseconds / 1_000
        let whole = micros / 1_000, frac = micros % 1_000
        let f = String(frac)
        return "\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)ms"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    fileprivate var replacingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
