// A fast path for the one JSON shape tokens use: a flat object of plain strings and integers,
// keys sorted, no whitespace — exactly what `JSONEncoder` with `.sortedKeys` writes for
// `TokenClaims`. Anything else (escapes, spaces, unknown keys) returns nil and the callers fall
// back to Foundation's coders, so the bytes and the results are the same either way; only the
// cost differs (Foundation's decoder spends ~60,000 instructions on one small object).

extension TokenClaims {
    /// The claims as `JSONEncoder` with `.sortedKeys` writes them, or nil when a string needs
    /// escaping (then the caller uses `JSONEncoder`).
    func sortedJSON() -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ k: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ s: String) -> Bool {
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                guard b >= 0x20, b < 0x7F, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") else { return false }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
            return true
        }
        key("exp"); out.append(contentsOf: String(exp).utf8)
        if let grp { key("grp"); guard string(grp) else { return nil } }
        key("iat"); out.append(contentsOf: String(iat).utf8)
        if let push { key("push"); guard string(push) else { return nil } }
        key("sub"); guard string(sub) else { return nil }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Reads claims from a flat JSON object of unescaped strings and integers with only the known
    /// keys, each at most once; nil for anything else (the caller then uses `JSONDecoder`).
    init?(flatJSON bytes: [UInt8]) {
        var reader = FlatJSONReader(bytes)
        var sub: String?, iat: Int64?, exp: Int64?, push: String?, grp: String?
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        if !reader.take(UInt8(ascii: "}")) {
            repeat {
                guard let k = reader.string(), reader.take(UInt8(ascii: ":")) else { return nil }
                switch k {
                case "sub" where sub == nil: sub = reader.string()
                case "push" where push == nil: push = reader.string()
                case "grp" where grp == nil: grp = reader.string()
                case "iat" where iat == nil: iat = reader.integer()
                case "exp" where exp == nil: exp = reader.integer()
                default: return nil
                }
                guard reader.ok else { return nil }
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "}")) else { return nil }
        }
        guard reader.atEnd, let sub, let iat, let exp else { return nil }
        self.init(sub: sub, iat: iat, exp: exp, push: push, grp: grp)
    }
}

/// A cursor over the bytes of a flat JSON object without whitespace or escapes.
private struct FlatJSONReader {
    let bytes: [UInt8]
    var i = 0
    /// False once a value failed to read.
    var ok = true

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i == bytes.count }

    mutating func take(_ b: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == b else { return false }
        i += 1
        return true
    }

    /// A string without escapes or control characters.
    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { ok = false; return nil }
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            guard bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\\") else { ok = false; return nil }
            i += 1
        }
        guard i < bytes.count else { ok = false; return nil }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// An integer: an optional minus, then decimal digits (no leading zeros but `0`), in Int64.
    mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        let start = i
        var value: Int64 = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
            guard !o1, !o2 else { ok = false; return nil }
            value = a
            i += 1
        }
        guard i > start, !(bytes[start] == 0x30 && i - start > 1) else { ok = false; return nil }
        return negative ? -value : value
    }
}
